// XEP-0012 rules, pure: who may learn an account's last activity, and the stored record.
import type { RosterItem } from '../../storage/types.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { hasFrom } from '../../xmpp/subscription.js';

/** What is kept per account under the key-value key 'last'. */
export interface LastRecord {
  /** When the account's last session ended, in milliseconds since the epoch. */
  at: number;
  /** Status text of the last unavailable presence the user sent, if any. */
  status: string;
}

/**
 * §3 and §8: only an entity allowed to see the user's presence, i.e. one the user's roster shows
 * with a subscription of 'from' or 'both' (RFC 6121 §2.1.2.5), and the user themselves.
 */
export function maySee(requesterBare: string, ownerBare: string, item: RosterItem | undefined): boolean {
  if (requesterBare === ownerBare) return true;
  return hasFrom(item?.subscription);
}

export function parseRecord(text: string | undefined): LastRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<LastRecord>;
    if (typeof v.at !== 'number' || !Number.isFinite(v.at)) return undefined;
    return { at: v.at, status: typeof v.status === 'string' ? v.status : '' };
  } catch {
    return undefined;
  }
}

/** Whole seconds from `since` to `now`, never negative (a clock set back must not show -5). */
export function secondsSince(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 1000));
}

export function lastQuery(seconds: number, text = ''): Element {
  const q = xml('query', { xmlns: NS.LAST, seconds: String(seconds) });
  if (text) q.append(text);
  return q;
}

/** The status text of a presence stanza: the <status/> without xml:lang first, else the first. */
export function statusText(presence: Element): string {
  const all = presence.getChildren('status');
  const plain = all.find((s) => s.attrs['xml:lang'] === undefined) ?? all[0];
  return plain?.getText() ?? '';
}
