// What the rest of the server may know about a bound client session. The state lives here,
// apart from the connection that currently carries it, so a session can hibernate (stream
// management) and be resumed on another connection.
import type { Element } from '../xmpp/xml.js';
import type { Jid } from '../xmpp/jid.js';
import type { StreamError } from '../xmpp/errors.js';

export interface ClientSession {
  /** Unique id for logs. */
  readonly id: string;
  /** Full JID bound to this session. */
  readonly jid: Jid;
  /** Address of the client, for logs and throttling. */
  readonly remoteAddress: string;
  readonly secure: boolean;
  /** Has sent initial presence and not yet gone unavailable (RFC 6121 §4.2). */
  available: boolean;
  /** Priority of the last available presence (RFC 6121 §4.7.2.3), -128..127. */
  priority: number;
  /** Last available presence broadcast by this session, if any. */
  presence: Element | undefined;
  /**
   * Its connection dropped and it waits to be resumed (stream management, XEP-0198 §5): still
   * bound and available, stanzas sent to it are kept until the client is back.
   */
  readonly hibernating: boolean;
  /** Queues a stanza for this client. */
  send(stanza: Element): void;
  /** Ends the session with a stream error (or a clean close when none is given). */
  close(error?: StreamError): void;
}
