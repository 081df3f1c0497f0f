// What the rest of the server may know about a bound client session. The state lives here,
// apart from the connection that currently carries it, so a session can hibernate (stream
// management) and be resumed on another connection.
import type { Element } from '../xmpp/xml.js';
import type { Jid } from '../xmpp/jid.js';
import type { StreamError } from '../xmpp/errors.js';
import type { Credentials } from '../storage/types.js';

/**
 * A stage that stanzas for a client pass before its stream writes them, e.g. client state
 * indication (XEP-0352) keeping unimportant stanzas back while the client is inactive.
 */
export interface OutboundFilter {
  /** Returns true to keep the stanza (the stage sends it on later through its gate). */
  take(stanza: Element): boolean;
  /** Sends on everything the stage keeps, in order, through its gate. */
  flush(): void;
}

/** What a session gives an outbound filter: the way on, past the filter. */
export interface OutboundGate {
  /** Sends a stanza on past this filter: through the later filters, then to the stream. */
  pass(stanza: Element): void;
  /** Takes the filter out of the session's chain (what it keeps is not sent: flush first). */
  remove(): void;
}

export interface ClientSession {
  /** Unique id for logs. */
  readonly id: string;
  /** Full JID bound to this session. */
  readonly jid: Jid;
  /** Address of the client, for logs and throttling. */
  readonly remoteAddress: string;
  readonly secure: boolean;
  /**
   * The stamp of the credentials the client logged in with (core/account-notes.ts): when the
   * account's credentials change or it is deleted outside the server, the sessions whose stamp
   * is not that of the account's credentials now end.
   */
  readonly credentialStamp: number;
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
  /** Queues a stanza for this client, through the outbound filters. */
  send(stanza: Element): void;
  /** Adds an outbound filter; higher priority runs first, equal ones in the order added. */
  addOutboundFilter(filter: OutboundFilter, priority?: number): OutboundGate;
  /** Has every outbound filter send on what it keeps (before the stream ends, or on request). */
  flushOutbound(): void;
  /**
   * The session has changed its own account's credentials (in-band, XEP-0077 §3.3): it takes
   * their stamp, so it goes on when the server notices the change.
   */
  credentialsChanged(credentials: Credentials): void;
  /** Ends the session with a stream error (or a clean close when none is given). */
  close(error?: StreamError): void;
}
