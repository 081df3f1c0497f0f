// Which messages Message Carbons copy (XEP-0280 §6.1, with XEP-0334 §4.3's no-copy hint) and
// what a copy looks like (§7, §8: a <received/> or <sent/> wrapping the message as XEP-0297
// forwards it). Pure: no I/O.
import { findChild, hasChild, shallowCopy, someChild, xml, type Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { messageType } from '../../xmpp/stanza.js';

export type Direction = 'sent' | 'received';

/** True when the stanza's own namespace (jabber:client, jabber:server or none) qualifies `child`. */
function isStanzaChild(child: Element): boolean {
  const ns = child.getNS() as string | undefined;
  return ns === undefined || ns === '' || ns === NS.CLIENT || ns === NS.SERVER;
}

/** Payloads typical of instant messaging (§6.1): receipts (XEP-0184), chat states (XEP-0085), markers (XEP-0333). */
const IM_PAYLOADS: ReadonlySet<string> = new Set([NS.RECEIPTS, NS.CHATSTATES, NS.CHAT_MARKERS]);

const isBody = (c: Element): boolean => c.getName() === 'body' && isStanzaChild(c);
const isImPayload = (c: Element): boolean => IM_PAYLOADS.has(c.getNS() as string);
const isMucUser = (c: Element): boolean => c.getName() === 'x' && c.getNS() === NS.MUC_USER;

function hasBody(stanza: Element): boolean {
  return someChild(stanza, isBody);
}

function hasImPayload(stanza: Element): boolean {
  return someChild(stanza, isImPayload);
}

/**
 * A carbon copy (<received/> or <sent/>) inside a message. Only a server makes these, for its
 * own user: from anyone else, and from a client, it is a forgery (§11, CVE-2017-5589).
 */
export function carriesCarbon(stanza: Element): boolean {
  return hasChild(stanza, 'received', NS.CARBONS) || hasChild(stanza, 'sent', NS.CARBONS);
}

/**
 * Whether a message is copied to the account's other resources (§6.1). `direction` is 'sent'
 * for a message from one of the account's resources, 'received' for one addressed to it.
 */
export function eligible(stanza: Element, direction: Direction): boolean {
  const type = messageType(stanza);
  // Never a copy of a copy; never group chat (§6.1: the room sends it to every joined client).
  if (carriesCarbon(stanza) || type === 'groupchat') return false;
  // §9: <private/> keeps a message from being copied; XEP-0334 §4.3's no-copy says the same.
  // An error echoes the payload of the message it answers, so a private message's error is
  // not copied either.
  if (hasChild(stanza, 'private', NS.CARBONS) || hasChild(stanza, 'no-copy', NS.HINTS)) return false;
  const muc = findChild(stanza, isMucUser);
  if (muc) {
    // A mediated invitation is copied; a private message from an occupant (a full JID) is not,
    // the room already sends it to each of the user's joined clients.
    if (muc.getChild('invite') !== undefined) return true;
    if (direction === 'received' && (stanza.attrs.from as string | undefined)?.includes('/')) return false;
  }
  if (hasChild(stanza, 'x', NS.CONFERENCE)) return true; // a direct invitation (XEP-0249)
  if (type === 'chat') return true;
  if (type === 'normal' && hasBody(stanza)) return true;
  // An error answering an eligible message: known by the payload it echoes (RFC 6120 §8.3.1
  // makes echoing optional, so an error that echoes nothing is not copied).
  if (type === 'error') return hasBody(stanza) || hasImPayload(stanza);
  return hasImPayload(stanza);
}

/**
 * The message as XEP-0297 forwards it: its own namespace kept (§3.3 there), and the account's
 * bare JID as 'to' when the client left it out (RFC 6120 §10.3: that is where it went).
 * `archiveId`, the id the account's archive gave a sent message, goes in as its stanza-id
 * (XEP-0313 §3.5). The child elements are shared with the original, which stays untouched.
 */
export function forwardedCopy(stanza: Element, account: string, archiveId?: string): Element {
  const copy = shallowCopy(stanza, { xmlns: NS.CLIENT });
  if (copy.attrs.to === undefined) copy.attrs.to = account;
  copy.children = [...stanza.children];
  if (archiveId !== undefined) copy.children.push(xml('stanza-id', { xmlns: NS.SID, id: archiveId, by: account }));
  return copy;
}

/** The copy for one resource (§7, §8): from the account's bare JID, to the resource, same type. */
export function carbon(direction: Direction, forwarded: Element, account: string, to: string): Element {
  const type = forwarded.attrs.type as string | undefined;
  const attrs: Record<string, string> = type === undefined ? { from: account, to } : { from: account, to, type };
  return xml('message', attrs, xml(direction, { xmlns: NS.CARBONS }, xml('forwarded', { xmlns: NS.FORWARD }, forwarded)));
}
