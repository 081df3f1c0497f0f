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
