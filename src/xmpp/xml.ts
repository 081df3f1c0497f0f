// The one place that imports the XML element library (@xmpp/xml, built on ltx), so the rest of
// the code base builds and reads elements through a single, typed entry point.
import xmlFn, { Element, escapeXML } from '@xmpp/xml';

export { Element, escapeXML };
export const xml = xmlFn;

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
