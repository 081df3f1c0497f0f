// The closed set of events modules can hook, with their payloads. Stanza event names are
// `<kind>/<target>`: host (the server itself), bare (a local account), full (a local
// resource) or remote (another domain).
import type { Element } from '../xmpp/xml.js';
import type { Jid } from '../xmpp/jid.js';
import type { ClientSession } from './session-types.js';
import type { Subscription } from '../storage/types.js';

export interface StanzaEvent {
  /** The stanza as routed: `from` stamped, `to` prepared. Treat as read-only. */
  readonly stanza: Element;
  readonly from: Jid;
  readonly to: Jid;
  /** The local session the stanza came from, when it came from one. */
  readonly origin: ClientSession | undefined;
}

/** A message from a local session, on the sender's host (see `message/outbound`). */
export interface OutboundMessageEvent extends StanzaEvent {
  /**
   * The id the sender's archive gave the message (XEP-0313 §3.5), set by the archive for the
   * handlers after it: a sent carbon forwards it (XEP-0280), what the contact receives never does.
   */
  senderArchiveId: string | undefined;
}

export interface SessionEvent {
  readonly session: ClientSession;
}

export interface AvailableEvent extends SessionEvent {
  /** True for the session's initial presence (RFC 6121 §4.2), false for later updates. */
  readonly initial: boolean;
}

/**
 * A message a session was sent but never acknowledged when the session ended (stream
 * management, XEP-0198 §4). Modules store it or hand it to another resource and return true;
 * core bounces what none takes. Apart from `message/bare|full` so it is never archived twice.
 */
export interface UndeliveredEvent {
  /** The message as it was sent to the session. Treat as read-only. */
  readonly stanza: Element;
  /** The recipient account (bare JID). */
  readonly to: Jid;
  /** The session that ended; it is no longer registered. */
  readonly session: ClientSession;
  /** When the message was first sent to that session (for a XEP-0203 delay stamp). */
  readonly sentAt: Date;
  /**
   * The account's other sessions that have the message already, the very stanza or a copy
   * (several resources of one priority, Message Carbons, the resource that sent it): they are
   * not given it again.
   */
  readonly reached: ReadonlySet<ClientSession>;
}

export interface AccountEvent {
  readonly host: string;
  readonly username: string;
}

/** The subscription of an account's roster item changed (RFC 6121 §3), as the roster wrote it. */
export interface SubscriptionChangedEvent extends AccountEvent {
  /** The contact's bare JID. */
  readonly contact: string;
  readonly before: Subscription;
  readonly after: Subscription;
}

/** An IQ from a connection that has not authenticated yet (e.g. in-band registration, XEP-0077). */
export interface PreauthIqEvent {
  readonly stanza: Element;
  readonly payload: Element;
  readonly remoteAddress: string;
  readonly secure: boolean;
  /** The same object for every IQ of one connection: a key for what a module keeps across them. */
  readonly connection: object;
  /** Sends a stanza (the IQ's answer) on this connection. */
  reply(stanza: Element): void;
}

/**
 * What an entity's presence says it can do (XEP-0115 entity capabilities, hash verified):
 * fired by the caps module when the features of an available entity become known or change,
 * and when the entity goes unavailable.
 */
export interface CapsEvent {
  /** The entity that sent the presence (a full JID). */
  readonly jid: Jid;
  /**
   * Its disco#info features; empty when its presence carries no usable capabilities, undefined
   * when it went unavailable.
   */
  readonly features: ReadonlySet<string> | undefined;
  /** The entity's session when it is a client of this host. */
  readonly session: ClientSession | undefined;
}

/**
 * Items of an account's PEP node changed (XEP-0163). Fired by the module that changed them:
 * the PEP service after publications, others after writing the node in storage themselves
 * (e.g. bookmarks written through private XML storage), so the PEP service notifies subscribers.
 */
/** One XEP-0030 item (§4.1): an entity, or a node of one. */
export interface DiscoItem {
  readonly jid: string;
  readonly node?: string;
  readonly name?: string;
}

/**
 * disco#items on an account's bare JID, answered by the server on its behalf (XEP-0030 §8):
 * each module adds the items `requester` may see (PEP: the nodes it may subscribe to or
 * read, XEP-0163 §6.2).
 */
export interface AccountItemsEvent {
  readonly owner: Jid;
  readonly requester: Jid;
  readonly items: DiscoItem[];
}

/**
 * disco#info on a node of an account (XEP-0030 §3.2): the module that has the node, and lets
 * `requester` see it, sets `info` (the whole <query/>); unset, the node is item-not-found.
 */
export interface AccountNodeInfoEvent {
  readonly owner: Jid;
  readonly requester: Jid;
  readonly node: string;
  info: Element | undefined;
}

export interface PepChangedEvent {
  /** The account (bare JID) whose node changed. */
  readonly owner: Jid;
  readonly node: string;
  /** Items published, in order, with their payload (undefined for an item without one). */
  readonly published: readonly { readonly id: string; readonly payload: Element | undefined }[];
  /** Ids of items retracted (items pushed out by max_items are not reported). */
  readonly retracted: readonly string[];
  /** Every item is gone: the node was purged or deleted. */
  readonly cleared: boolean;
  /** The module that made the change; listeners skip their own. */
  readonly by: string;
}

export interface StanzaEventMap {
  'iq/host': StanzaEvent;
  'iq/bare': StanzaEvent;
  'iq/full': StanzaEvent;
  'iq/remote': StanzaEvent;
  /**
   * `<kind>/outbound` fire on the sender's host for stanzas from its local sessions, before the
   * recipient's events (RFC 6121's outbound processing: subscriptions, blocking, carbons).
   * A handler returning true stops the stanza there.
   */
  'iq/outbound': StanzaEvent;
  'message/outbound': OutboundMessageEvent;
  'presence/outbound': StanzaEvent;
  /** An IQ before authentication; unhandled ones close the stream with not-authorized. */
  'iq/preauth': PreauthIqEvent;
  'message/host': StanzaEvent;
  'message/bare': StanzaEvent;
  'message/full': StanzaEvent;
  'message/remote': StanzaEvent;
  /** See UndeliveredEvent. */
  'message/undelivered': UndeliveredEvent;
  'presence/host': StanzaEvent;
  'presence/bare': StanzaEvent;
  'presence/full': StanzaEvent;
  'presence/remote': StanzaEvent;
  /** A resource was bound (RFC 6120 §7). */
  'session/bound': SessionEvent;
  /**
   * Stream management (XEP-0198 §5): the connection of a resumable session dropped; the session
   * stays bound and available, and stanzas for it wait, until it is resumed or its window ends.
   */
  'session/hibernated': SessionEvent;
  /** A hibernated (or taken over) session continues on a new connection, same JID and presence. */
  'session/resumed': SessionEvent;
  /** A session ended, for whatever reason. */
  'session/closed': SessionEvent & { readonly error: string | undefined };
  /** A session sent available presence (first or update). */
  'presence/available': AvailableEvent;
  /** A session went unavailable (explicitly or by closing). */
  'presence/unavailable': SessionEvent & {
    /** The client's own unavailable presence when it sent one; absent on disconnect. */
    readonly stanza?: Element | undefined;
  };
  /** A user's roster changed (item set or removed, subscription state moved). */
  'roster/changed': AccountEvent;
  /** Fired after roster/changed when an item's subscription moved (a new presence subscriber, say). */
  'roster/subscription': SubscriptionChangedEvent;
  /** An account was created or deleted while the server runs (registration, admin). */
  'account/created': AccountEvent;
  'account/deleted': AccountEvent;
  /**
   * An account is about to be deleted by its own client (XEP-0077 §3.2), its data still there:
   * modules undo what others keep of it, such as presence subscriptions. Its deletion waits.
   */
  'account/deleting': AccountEvent;
  /** An entity's verified capabilities (XEP-0115) became known, changed, or went away. */
  'caps/changed': CapsEvent;
  /** See AccountItemsEvent and AccountNodeInfoEvent. */
  'disco/account-items': AccountItemsEvent;
  'disco/account-node-info': AccountNodeInfoEvent;
  /** An account's PEP node changed (XEP-0163). */
  'pep/changed': PepChangedEvent;
}
