// Result Set Management (XEP-0059): reading the <set/> of a request and building the <set/> of
// an answer. Pure; shared by every protocol that pages through results (MAM, pubsub items,
// disco items).
import { xml, type Element } from './xml.js';
import { NS } from './ns.js';
import { StanzaError } from './errors.js';

export interface RsmRequest {
  /** Most items wanted (§2.1); 0 asks for the count only (§2.7). */
  max?: number;
  /** UID of the item the page starts after (§2.2). */
  after?: string;
  /** UID of the item the page ends before (§2.3); '' for an empty <before/>: the last page (§2.5). */
  before?: string;
  /** Position of the first item wanted (§2.6). */
  index?: number;
}

export interface RsmAnswer {
  /** UID of the first item of the page; absent for an empty page (§2.2). */
  first?: string;
  /** Position of the first item in the whole set. */
  firstIndex?: number;
  /** UID of the last item of the page. */
  last?: string;
  /** Number of items in the whole set (§2.7). */
  count?: number;
}

/** Larger values are read as this one: no server pages that far anyway. */
const MAX_NUMBER = 2 ** 31 - 1;

function nonNegative(el: Element | undefined, what: string): number | undefined {
  if (!el) return undefined;
  const text = el.getText().trim();
  if (!/^\d+$/.test(text)) throw new StanzaError('bad-request', `<${what}/> must hold a non-negative integer`);
  return Math.min(Number(text.length > 10 ? MAX_NUMBER : text), MAX_NUMBER);
}

/**
 * The RSM request in `parent` (e.g. a MAM <query/>), or undefined when it has none. Throws
 * bad-request for a malformed one (a <max/> that is not a number, an empty <after/>).
 */
export function readRsm(parent: Element): RsmRequest | undefined {
  const set = parent.getChild('set', NS.RSM);
  if (!set) return undefined;
  const out: RsmRequest = {};
  const max = nonNegative(set.getChild('max'), 'max');
  if (max !== undefined) out.max = max;
  const index = nonNegative(set.getChild('index'), 'index');
  if (index !== undefined) out.index = index;
  const after = set.getChild('after');
  if (after) {
    const uid = after.getText();
    if (uid === '') throw new StanzaError('bad-request', '<after/> must name an item');
    out.after = uid;
  }
  const before = set.getChild('before');
  if (before) out.before = before.getText();
  return out;
}

/** The <set/> of an answer: first (with its index when known), last and count, each when given. */
export function rsmAnswer(a: RsmAnswer): Element {
  const set = xml('set', { xmlns: NS.RSM });
  if (a.first !== undefined) {
    set.append(xml('first', a.firstIndex !== undefined ? { index: String(a.firstIndex) } : {}, a.first));
  }
  if (a.last !== undefined) set.append(xml('last', {}, a.last));
  if (a.count !== undefined) set.append(xml('count', {}, String(a.count)));
  return set;
}
