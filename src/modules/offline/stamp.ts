// What is added to a message before it is stored: a delay stamp (XEP-0203, recommended by
// XEP-0160 §2) and a unique, stable stanza id assigned by the account (XEP-0359 §2.1). Pure.
import { xml, type Element } from '../../xmpp/xml.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';

export interface Stamp {
  /** The server's JID (the host), which delayed the message. */
  host: string;
  /** The recipient account's bare JID, which assigns the stanza id. */
  account: string;
  /** When the message was stored. */
  at: Date;
  /** A fresh, unpredictable id (XEP-0359 §3 recommends a UUID). */
  id: string;
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
  if (ns === NS.DELAY && name === 'delay') return sameJid(child.attrs.from, s.host);
  return false;
}

/**
 * A copy of `stanza` ready to be stored: forged stamps removed, our delay and stanza-id added
 * (or the account's stanza-id kept, see Stamp.reuseAccountId).
 * The original is left untouched (children are shared, read-only).
 */
export function stampForStorage(stanza: Element, s: Stamp): Element {
  const copy = xml(stanza.name, { ...stanza.attrs });
  const kept = stanza.children.filter((c) => typeof c === 'string' || !forged(c, s));
  // XEP-0082 dateTime in UTC; toISOString() keeps milliseconds, so stamps order messages stored
  // within one second.
  const delay = xml('delay', { xmlns: NS.DELAY, from: s.host, stamp: s.at.toISOString() }, 'Offline Storage');
  const assigned = kept.some((c) => typeof c !== 'string' && accountId(c, s));
  copy.children = assigned ? [...kept, delay] : [...kept, delay, xml('stanza-id', { xmlns: NS.SID, id: s.id, by: s.account })];
  return copy;
}
