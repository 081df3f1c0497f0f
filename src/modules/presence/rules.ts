// RFC 6121 §4 (exchanging presence): the pure rules of the presence module, apart from its
// wiring. Who receives a user's presence broadcast, whom the server probes for the user, how a
// probe is answered, and who must be told when a session goes unavailable. No I/O here.
import { xml, type Element } from '../../xmpp/xml.js';
import { withAttrs } from '../../xmpp/stanza.js';
import type { RosterItem } from '../../storage/types.js';
import { hasFrom, hasTo } from '../../xmpp/subscription.js';

/** The contact is subscribed to the user's presence: it receives the user's broadcasts (§4.2.2, §4.4.2). */
export const receivesMyPresence = hasFrom;

/** The user is subscribed to the contact's presence: the server probes the contact (§4.3.1). */
export const probedForMe = hasTo;

export interface PresenceLists {
  /** Bare JIDs subscribed to the user's presence (subscription from/both). */
  readonly subscribers: readonly string[];
  /** Bare JIDs whose presence the user is subscribed to (subscription to/both). */
  readonly subscriptions: readonly string[];
  /** `subscribers` as a set, to answer probes without a scan. */
  readonly subscriberSet: ReadonlySet<string>;
}

/** The lists of every account whose roster has no subscription either way: one shared object. */
const NO_CONTACTS: PresenceLists = Object.freeze({ subscribers: Object.freeze([]), subscriptions: Object.freeze([]), subscriberSet: new Set<string>() });

/**
 * The two lists a broadcast needs, from the user's roster. The user's own bare JID is left out
 * even if it is on the roster: the user's own resources are served apart (§4.2.2, §4.5.2).
 */
export function presenceLists(items: readonly RosterItem[], ownBare: string): PresenceLists {
  const subscribers: string[] = [];
  const subscriptions: string[] = [];
  for (const item of items) {
    if (item.jid === ownBare) continue;
    if (receivesMyPresence(item.subscription)) subscribers.push(item.jid);
    if (probedForMe(item.subscription)) subscriptions.push(item.jid);
  }
  if (subscribers.length === 0 && subscriptions.length === 0) return NO_CONTACTS;
  return { subscribers, subscriptions, subscriberSet: new Set(subscribers) };
}

/** What a presence stanza is, for routing inside the module (RFC 6121 §4.7.1). */
export type PresenceKind = 'available' | 'unavailable' | 'probe' | 'error' | 'subscription';

export function presenceKind(stanza: Element): PresenceKind {
  const type = stanza.attrs.type as string | undefined;
  switch (type) {
    case undefined:
      return 'available';
    case 'unavailable':
    case 'probe':
    case 'error':
      return type;
    default:
      // subscribe, subscribed, unsubscribe, unsubscribed: the roster module's job (§3).
      return 'subscription';
  }
}

/** How the contact's server answers a presence probe (§4.3.2). */
export type ProbeAnswer =
  /** Step 1: no such account, or the prober is not subscribed: reveal nothing, say unsubscribed. */
  | 'unsubscribed'
  /** Step 3: subscribed, but no available resource: an unavailable presence from the bare JID. */
  | 'unavailable'
  /** Step 4: the last presence of each available resource. */
  | 'presence';

/**
 * `item` is the prober's entry in the contact's roster (undefined when absent, which is also the
 * case when the contact account does not exist). A user probing their own account is always
 * answered: an account is implicitly subscribed to itself.
 */
export function probeAnswer(selfProbe: boolean, item: Pick<RosterItem, 'subscription'> | undefined, availableResources: number): ProbeAnswer {
  if (!selfProbe && (!item || !receivesMyPresence(item.subscription))) return 'unsubscribed';
  return availableResources === 0 ? 'unavailable' : 'presence';
}

/** A copy of `stanza` (children shared, read-only) with new addresses. */
export function addressed(stanza: Element, from: string, to: string | undefined): Element {
  return withAttrs(stanza, { from, to });
}

/**
 * The unavailable presence broadcast for a session (§4.5.2): the client's own unavailable
 * presence when it sent one (keeping its status), else a bare one built by the server for a
 * session that disconnected.
 */
export function unavailablePresence(fullJid: string, fromClient: Element | undefined): Element {
  if (fromClient) return withAttrs(fromClient, { from: fullJid, to: undefined });
  return xml('presence', { from: fullJid, type: 'unavailable' });
}

/**
 * Entities that received directed available presence from a session and must be told when it
 * goes unavailable (§4.6.3), except contacts the broadcast reaches anyway and the user's own
 * account (its resources get the broadcast).
 */
export function directedOnly(directed: Iterable<string>, subscribers: readonly string[], ownBare: string): string[] {
  const covered = new Set(subscribers);
  const out: string[] = [];
  for (const jid of directed) {
    if (covered.has(jid) || jid === ownBare || jid.startsWith(`${ownBare}/`)) continue;
    out.push(jid);
  }
  return out;
}
