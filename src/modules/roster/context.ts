// What the parts of the roster module share: the module API, the per-account lock, roster
// pushes (with the sessions that asked for the roster) and the version epochs.
import type { IqContext, ModuleApi } from '../../core/module-api.js';
import type { Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import type { KeyedQueue } from '../../core/module-api.js';
import type { RosterOptions } from './options.js';
import type { RosterPushes } from './push.js';
import type { EpochCache } from './version.js';

/** A bound client session as the module API shows it. */
export type Session = NonNullable<IqContext['origin']>;

/** A routed stanza as the module's event handlers receive it. */
export interface StanzaEv {
  readonly stanza: Element;
  readonly from: Jid;
  readonly to: Jid;
  readonly origin: Session | undefined;
}

export interface RosterContext {
  readonly api: ModuleApi<RosterOptions>;
  readonly lock: KeyedQueue;
  readonly pushes: RosterPushes;
  readonly epochs: EpochCache;
}
