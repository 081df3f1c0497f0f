// The one place that imports the XML element library (@xmpp/xml, built on ltx), so the rest of
// the code base builds and reads elements through a single, typed entry point.
import xmlFn, { Element, escapeXML } from '@xmpp/xml';

export { Element, escapeXML };
export const xml = xmlFn;

/**
 * Sets `name` to `value` in a record of attributes by name. Names are the peer's: one named
 * '__proto__' becomes an attribute like any other, not the record's prototype (a plain
 * assignment, or the element library's Object.assign, would drop it).
 */
export function setAttribute<V>(attrs: Record<string, V>, name: string, value: V): void {
  if (name === '__proto__') Object.defineProperty(attrs, name, { value, enumerable: true, writable: true, configurable: true });
  else attrs[name] = value;
}

/** A new element with `el`'s name and every attribute of it, then `attrs` over them; no children. */
export function shallowCopy(el: Element, attrs?: Record<string, string>): Element {
  const out = new Element(el.name);
  const to = out.attrs as Record<string, unknown>;
  const from = el.attrs as Record<string, unknown>;
  for (const name of Object.keys(from)) setAttribute(to, name, from[name]);
  if (attrs) for (const name of Object.keys(attrs)) setAttribute(to, name, attrs[name]);
  return out;
}

/** Text of the first child element `name` (in namespace `ns` when given), or undefined. */
export function childText(el: Element, name: string, ns?: string): string | undefined {
  const child = el.getChild(name, ns);
  return child ? child.getText() : undefined;
}

/** The child elements, text left out. Allocates an array: per-stanza checks use someChild/findChild. */
export function elementChildren(el: Element): Element[] {
  return el.children.filter((c): c is Element => typeof c !== 'string');
}

/** The first child element that passes `test`, without allocating. */
export function findChild(el: Element, test: (c: Element) => boolean): Element | undefined {
  for (const c of el.children) if (typeof c !== 'string' && test(c)) return c;
  return undefined;
}

/** Whether some child element passes `test`, without allocating. */
export function someChild(el: Element, test: (c: Element) => boolean): boolean {
  return findChild(el, test) !== undefined;
}

/** Whether a child element `name` in namespace `ns` exists (declared, prefixed or inherited). */
export function hasChild(el: Element, name: string, ns: string): boolean {
  for (const c of el.children) if (typeof c !== 'string' && c.getName() === name && c.getNS() === ns) return true;
  return false;
}
