// XEP-0049 rules, pure: which fragments a request names, which namespaces are reserved, and how
// a set changes the stored document (one <query/> holding every fragment of the account).
import { StanzaError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { standalone } from '../../xmpp/stored.js';

export interface Fragment {
  readonly ns: string;
  /** Local name, without a prefix. */
  readonly name: string;
  readonly el: Element;
}

/**
 * §2.3: namespaces beginning with 'jabber:' or 'http://jabber.org/', and 'vcard-temp', are
 * reserved. An element without a namespace (or one inheriting 'jabber:iq:private') is refused
 * the same way: the fragment's root "is scoped by its own namespace" (§2.1).
 */
export function isReserved(ns: string): boolean {
  return ns === '' || ns.startsWith('jabber:') || ns.startsWith('http://jabber.org/') || ns === NS.VCARD;
}

/** The fragments of a get or set, checked; throws the StanzaError the XEP names. */
export function requestFragments(query: Element, type: 'get' | 'set'): Fragment[] {
  const out: Fragment[] = [];
  for (const c of query.children) {
    if (typeof c === 'string') continue;
    const ns = c.getNS() ?? '';
    // §2.3 (OPTIONAL error, "commonly Not Acceptable") and §3.
    if (isReserved(ns)) throw new StanzaError('not-acceptable', ns ? `the namespace ${ns} is reserved` : 'each element needs its own namespace');
    out.push({ ns, name: c.getName(), el: c });
  }
  // §2.3: "At least one child element with a proper namespace MUST be included; otherwise the
  // server MUST respond with a Not Acceptable error".
  if (out.length === 0) throw new StanzaError('not-acceptable', 'name at least one element to get or set');
  if (type === 'get' && out.some((f) => f.ns !== out[0]!.ns)) {
    // §2.3: "A client MUST NOT query for more than one namespace in a single IQ get request."
    throw new StanzaError('bad-request', 'query one namespace per request');
  }
  const seen = new Set<string>();
  for (const f of out) {
    const key = `${f.name} ${f.ns}`;
    if (type === 'set' && seen.has(key)) throw new StanzaError('bad-request', `<${f.name} xmlns='${f.ns}'/> appears twice`);
    seen.add(key);
  }
  return out;
}

const matches = (el: Element, f: Pick<Fragment, 'ns' | 'name'>): boolean => el.getName() === f.name && el.getNS() === f.ns;

/** The stored element for `f`, or the empty element when nothing is stored. */
export function lookup(doc: Element | undefined, f: Fragment): Element {
  const found = doc?.getChildElements().find((c) => matches(c, f));
  return found ?? xml(f.name, { xmlns: f.ns });
}

/** An element that carries nothing: storing it is the same as removing the fragment. */
function isEmpty(el: Element): boolean {
  const attrs = Object.keys(el.attrs).filter((a) => a !== 'xmlns' && !a.startsWith('xmlns:'));
  return attrs.length === 0 && el.children.every((c) => typeof c === 'string' && c.trim() === '');
}

/** The stored document after a set: each fragment replaces the one of the same name and namespace. */
export function applySet(doc: Element | undefined, frags: readonly Fragment[]): Element {
  const next = xml('query', { xmlns: NS.PRIVATE });
  for (const old of doc?.getChildElements() ?? []) {
    if (!frags.some((f) => matches(old, f))) next.append(old);
  }
  for (const f of frags) if (!isEmpty(f.el)) next.append(standalone(f.el));
  return next;
}
