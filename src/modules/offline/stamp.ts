// What is added to a message before it is stored: a delay stamp (XEP-0203, recommended by
// XEP-0160 §2) and a unique, stable stanza id assigned by the account (XEP-0359 §2.1). Pure.
import { shallowCopy, xml, type Element } from '../../xmpp/xml.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { parseStored } from '../../xmpp/stored.js';

export interface Stamp {
  /** The server's JID (the host), which delayed the message. */
  host: string;
  /** The recipient account's bare JID, which assigns the stanza id. */
  account: string;
  /** When the message was stored (for a redelivery: when it was first sent). */
  at: Date;
  /** A fresh, unpredictable id (XEP-0359 §3 recommends a UUID). */
  id: string;
  /**
   * The message reached a session before and is stored because that session ended without
   * acknowledging it (XEP-0198 §4): a delay from this server on it is the original stamp, kept,
   * and no second one is added.
   */
  redelivery?: boolean;
  /**
   * Another module on the message path assigns the account's stanza ids and removes forged ones
   * (message archiving, XEP-0313 §3.5): a stanza-id by the account is then that one, and is kept
   * instead of `id`, so the message has one id wherever the client meets it.
   */
  reuseAccountId?: boolean;
}

function sameJid(value: unknown, jid: string): boolean {
  return typeof value === 'string' && Jid.tryParse(value)?.full === jid;
}

/** A stanza-id whose 'by' is the account. */
function accountId(child: Element, s: Stamp): boolean {
  return child.getNS() === NS.SID && child.getName() === 'stanza-id' && sameJid(child.attrs.by, s.account);
}

/**
 * True for elements the sender may have put in to impersonate us: a stanza-id whose 'by' is the
 * account (XEP-0359 §3: an entity that assigns ids MUST delete those) and a delay stamp from
 * this server (XEP-0203 §5: the recipient's server SHOULD discard it).
 */
function forged(child: Element, s: Stamp): boolean {
  const ns = child.getNS() as string | undefined;
  const name = child.getName();
  if (ns === NS.SID && name === 'stanza-id') return !s.reuseAccountId && accountId(child, s);
  if (ns === NS.DELAY && name === 'delay') return !s.redelivery && sameJid(child.attrs.from, s.host);
  return false;
}

function isOwnDelay(child: Element | string, host: string): boolean {
  return typeof child !== 'string' && child.getName() === 'delay' && child.getNS() === NS.DELAY && sameJid(child.attrs.from, host);
}

// XEP-0082 dateTime in UTC; toISOString() keeps milliseconds, so stamps order messages stored
// within one second.
function delayElement(host: string, at: Date, reason: string): Element {
  return xml('delay', { xmlns: NS.DELAY, from: host, stamp: at.toISOString() }, reason);
}

/**
 * `stanza` with this server's delay stamp of `at` (XEP-0203), for a message handed to another
 * resource after the one it was sent to went away (XEP-0198 §4). One that has such a stamp
 * already is returned as it is; otherwise a copy, the original left untouched.
 */
export function withDelay(stanza: Element, host: string, at: Date): Element {
  if (stanza.children.some((c) => isOwnDelay(c, host))) return stanza;
  const copy = shallowCopy(stanza);
  copy.children = [...stanza.children, delayElement(host, at, 'Resent')];
  return copy;
}

/**
 * A copy of `stanza` ready to be stored: forged stamps removed, our delay and stanza-id added
 * (or the account's stanza-id kept, see Stamp.reuseAccountId; a redelivery's delay kept).
 * The original is left untouched (children are shared, read-only).
 */
export function stampForStorage(stanza: Element, s: Stamp): Element {
  const copy = shallowCopy(stanza);
  const kept = stanza.children.filter((c) => typeof c === 'string' || !forged(c, s));
  const stamped = s.redelivery === true && kept.some((c) => isOwnDelay(c, s.host));
  const assigned = kept.some((c) => typeof c !== 'string' && accountId(c, s));
  const added: Element[] = [];
  if (!stamped) added.push(delayElement(s.host, s.at, 'Offline Storage'));
  if (!assigned) added.push(xml('stanza-id', { xmlns: NS.SID, id: s.id, by: s.account }));
  copy.children = [...kept, ...added];
  return copy;
}

/** The stanza-id the account assigned to a stored message (serialised), if it has one. */
export function archiveIdOf(stored: string, account: string): string | undefined {
  const stanza = parseStored(stored);
  if (!stanza) return undefined;
  for (const c of stanza.getChildren('stanza-id', NS.SID)) {
    if (sameJid(c.attrs.by, account) && typeof c.attrs.id === 'string') return c.attrs.id;
  }
  return undefined;
}
