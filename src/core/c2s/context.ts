// Everything a client stream needs from the server, passed in once (no globals).
import type { Config } from '../../config/types.js';
import type { Storage } from '../../storage/types.js';
import type { Logger } from '../../util/log.js';
import type { Host } from '../host.js';
import type { LocalRouter } from '../router.js';
import type { SessionManager } from '../session-manager.js';
import type { AuthThrottle, ConnectionCounter } from './throttle.js';
import type { SmRegistry } from './sm/registry.js';

export interface C2sContext {
  /** Replaced as a whole by a reload (SIGHUP); read it when needed, don't keep parts of it. */
  config: Config;
  readonly hosts: ReadonlyMap<string, Host>;
  readonly router: LocalRouter;
  readonly sessions: SessionManager;
  readonly storage: Storage;
  readonly throttle: AuthThrottle;
  /** Resumable sessions by SM-ID (XEP-0198 §5). */
  readonly smSessions: SmRegistry;
  /** Open connections per client address (limits.max_connections_per_address). */
  readonly connections: ConnectionCounter;
  readonly log: Logger;
  /** Secret for fake SCRAM salts of unknown users (no account enumeration). */
  readonly fakeSaltSecret: Buffer;
}
