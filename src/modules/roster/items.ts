// RFC 6121 §2.1: roster items on the wire, and the checks on a roster set (§2.1.5, §2.3.3,
// §2.4.3, §2.5.3). Pure: no I/O. Violations are thrown as StanzaErrors for the IQ dispatcher.
import { NS } from '../../xmpp/ns.js';
import { elementChildren as elements, xml, type Element } from '../../xmpp/xml.js';
import { Jid } from '../../xmpp/jid.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { RosterItem } from '../../storage/types.js';

export const NS_ROSTER = NS.ROSTER;
/** XEP-0237 §2.1 (RFC 6121 §2.6.1): the roster versioning stream feature. */
export const NS_ROSTERVER = NS.ROSTERVER;

/**
 * The "server-configured limits" of §2.3.3. 1023 bytes is the limit RFC 7622 §3.1 sets for each
 * part of a JID: a handle as long as an address, far more than any client shows. The group count
 * has no rule in the RFC; it keeps one item from carrying unbounded data (not-acceptable, as
 * for the other limits).
 */
export const LIMITS = { nameBytes: 1023, groupBytes: 1023, groups: 100 } as const;

export type RosterSet =
  | { readonly remove: true; readonly jid: Jid }
  | { readonly remove: false; readonly jid: Jid; readonly name: string | undefined; readonly groups: string[] };

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Sorts by code point, as the store keeps groups (storage/types.ts), so pushes match results. */
export function sortGroups(groups: readonly string[]): string[] {
  return [...groups].sort((a, b) => {
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
      if (d !== 0) return d;
    }
    return x.length - y.length;
  });
}

/**
 * Reads the <query/> of a roster set by `user` (bare). The 'subscription' attribute matters only
 * as 'remove'; 'ask' and 'approved' are the server's to set, so they are ignored (§2.1.5).
 */
export function parseRosterSet(query: Element, user: Jid): RosterSet {
  const children = elements(query);
  // §2.3.3: exactly one <item/>; a query with none asks for nothing a set can do.
  if (children.length !== 1 || children[0]!.name !== 'item') {
    throw new StanzaError('bad-request', 'a roster set carries exactly one item');
  }
  const item = children[0]!;
  const jidAttr = item.attrs.jid as string | undefined;
  if (jidAttr === undefined) throw new StanzaError('bad-request', 'the item has no jid');
  const jid = Jid.tryParse(jidAttr);
  if (!jid) throw new StanzaError('jid-malformed', 'the item jid is not a valid JID');
  // Subscriptions are between bare JIDs (§3.1.1), and the roster is keyed by them.
  if (!jid.isBare) throw new StanzaError('bad-request', 'roster items are bare JIDs');
  // The user's own presence reaches their resources without a roster item (§4.2.2); a self
  // item could only confuse subscription state, so it is refused as a server policy (the RFC
  // has no rule for it).
  if (jid.bare === user.bare) throw new StanzaError('not-allowed', 'the roster cannot hold your own JID');

  if (item.attrs.subscription === 'remove') return { remove: true, jid };

  const nameAttr = item.attrs.name as string | undefined;
  if (nameAttr !== undefined && bytes(nameAttr) > LIMITS.nameBytes) {
    throw new StanzaError('not-acceptable', `the name is longer than ${LIMITS.nameBytes} bytes`);
  }
  const groups: string[] = [];
  const seen = new Set<string>();
  for (const g of elements(item)) {
    if (g.name !== 'group') continue;
    const text = g.getText();
    if (text === '') throw new StanzaError('not-acceptable', 'a group has no name');
    if (bytes(text) > LIMITS.groupBytes) throw new StanzaError('not-acceptable', `a group name is longer than ${LIMITS.groupBytes} bytes`);
    if (seen.has(text)) throw new StanzaError('bad-request', 'the same group is given twice');
    seen.add(text);
    groups.push(text);
  }
  if (groups.length > LIMITS.groups) throw new StanzaError('not-acceptable', `an item may be in at most ${LIMITS.groups} groups`);
  // An empty name is no name (§2.1.2.4 lets the client leave it out).
  return { remove: false, jid, name: nameAttr === '' ? undefined : nameAttr, groups };
}

/** An item as the server shows it in results and pushes (§2.1.2). */
export function itemElement(item: RosterItem): Element {
  const attrs: Record<string, string> = { jid: item.jid, subscription: item.subscription };
  if (item.name !== undefined && item.name !== '') attrs.name = item.name;
  if (item.ask) attrs.ask = 'subscribe';
  // §2.1.2.1: shown only when true; "false" would say nothing new.
  if (item.approved) attrs.approved = 'true';
  const el = xml('item', attrs);
  for (const g of item.groups) el.append(xml('group', {}, g));
  return el;
}

/** A removed item, as pushed (§2.5.2). */
export function removedElement(jid: string): Element {
  return xml('item', { jid, subscription: 'remove' });
}

/** The <query/> of a roster result or push, with its version (XEP-0237 §2.4). */
export function queryElement(ver: string, items: readonly Element[]): Element {
  const q = xml('query', { xmlns: NS_ROSTER, ver });
  for (const i of items) q.append(i);
  return q;
}
