// The closed set of events modules can hook, with their payloads. Stanza event names are
// `<kind>/<target>`: host (the server itself), bare (a local account), full (a local
// resource) or remote (another domain).
import type { Element } from '../xmpp/xml.js';
import type { Jid } from '../xmpp/jid.js';
import type { ClientSession } from './session-types.js';

export interface StanzaEvent {
  /** The stanza as routed: `from` stamped, `to` prepared. Treat as read-only. */
  readonly stanza: Element;
  readonly from: Jid;
  readonly to: Jid;
  /** The local session the stanza came from, when it came from one. */
  readonly origin: ClientSession | undefined;
}

export interface SessionEvent {
  readonly session: ClientSession;
}

export interface StanzaEventMap {
  'iq/host': StanzaEvent;
  'iq/bare': StanzaEvent;
  'iq/full': StanzaEvent;
  'iq/remote': StanzaEvent;
  'message/host': StanzaEvent;
  'message/bare': StanzaEvent;
  'message/full': StanzaEvent;
  'message/remote': StanzaEvent;
  'presence/host': StanzaEvent;
  'presence/bare': StanzaEvent;
  'presence/full': StanzaEvent;
  'presence/remote': StanzaEvent;
  /** A resource was bound (RFC 6120 §7). */
  'session/bound': SessionEvent;
  /** A session ended, for whatever reason. */
  'session/closed': SessionEvent & { readonly error: string | undefined };
  /** A session sent available presence (first or update). */
  'presence/available': SessionEvent;
  /** A session went unavailable (explicitly or by closing). */
  'presence/unavailable': SessionEvent;
}
