// Start tags of the stream tokenizer (xml-tokenizer.ts): attributes read and checked (XML 1.0
// §3.1), then names resolved against the namespace declarations in scope (Namespaces in XML
// 1.0), with the checks in the order a reader meets them.
import { isSpace, nameEnd } from './xml-chars.js';
import { decodeAttribute, XmlSyntaxError } from './xml-text.js';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface XmlAttribute {
  name: string;
  prefix: string;
  local: string;
  /** Namespace: '' for an unprefixed attribute (no namespace), XMLNS_NS for declarations. */
  uri: string;
  value: string;
}

/** A start tag, names resolved. */
export interface XmlTag {
  name: string;
  prefix: string;
  local: string;
  uri: string;
  /** In document order, declarations included; no two with the same name or expanded name. */
  attributes: XmlAttribute[];
  /** The namespace declarations of this tag itself, by prefix ('' for the default). */
  ns: Record<string, string>;
  /** Written as an empty-element tag ('/>'). */
  selfClosing: boolean;
}

/** The declarations of a tag that declares nothing (most of them), shared. */
const NO_DECLARATIONS: Record<string, string> = Object.freeze(Object.create(null) as Record<string, string>);
/** Past this many attributes, duplicates are found with a set rather than by comparing pairs. */
const FEW_ATTRIBUTES = 12;

/** Resolves a prefix against the declarations in scope around a tag; undefined when unbound. */
export type PrefixResolver = (prefix: string) => string | undefined;

/**
 * Reads the start tag `t` ('<' ... '>') whose name ends at `end`, and resolves its names with
 * `outer` for prefixes the tag does not declare itself.
 */
export function readStartTag(t: string, end: number, outer: PrefixResolver): XmlTag {
  const name = t.slice(1, end);
  let ns = NO_DECLARATIONS;
  const list: XmlAttribute[] = [];
  const close = t.length - 1;
  let p = end;
  let empty = false;
  for (;;) {
    const ws = p;
    while (isSpace(t.charCodeAt(p))) p++;
    if (p === close) break;
    if (t.charCodeAt(p) === 0x2f) {
      if (p + 1 === close) {
        empty = true;
        break;
      }
      throw new XmlSyntaxError('forward-slash in opening tag not followed by >.');
    }
    if (p === ws) throw new XmlSyntaxError('no whitespace between attributes.');
    const nameAt = p;
    p = nameEnd(t, p);
    if (p === nameAt) throw new XmlSyntaxError('disallowed character in attribute name.');
    const attrName = t.slice(nameAt, p);
    while (isSpace(t.charCodeAt(p))) p++;
    if (t.charCodeAt(p) !== 0x3d) throw new XmlSyntaxError('attribute without value.');
    p++;
    while (isSpace(t.charCodeAt(p))) p++;
    const q = t.charCodeAt(p);
    if (q !== 0x22 && q !== 0x27) throw new XmlSyntaxError('unquoted attribute value.');
    const valueEnd = t.indexOf(q === 0x22 ? '"' : "'", p + 1);
    if (valueEnd < 0 || valueEnd >= close) throw new XmlSyntaxError('unclosed attribute value.');
    const value = decodeAttribute(t, p + 1, valueEnd);
    p = valueEnd + 1;
    const [prefix, local] = qname(attrName);
    list.push({ name: attrName, prefix, local, uri: '', value });
    if (prefix === 'xmlns' || attrName === 'xmlns') {
      const uri = value.trim();
      if (prefix === 'xmlns' && uri === '') throw new XmlSyntaxError('invalid attempt to undefine prefix in XML 1.0');
      if (ns === NO_DECLARATIONS) ns = Object.create(null) as Record<string, string>;
      const declared = prefix === 'xmlns' ? local : '';
      ns[declared] = uri;
      checkDeclaration(declared, uri);
    }
  }

  const [prefix, local] = qname(name);
  if (prefix === 'xmlns') throw new XmlSyntaxError('tags may not have "xmlns" as prefix.');
  const uri = resolve(prefix, ns, outer) ?? '';
  if (prefix !== '' && uri === '') throw new XmlSyntaxError(`unbound namespace prefix: ${JSON.stringify(prefix)}.`);

  const keys: string[] = [];
  const seen = list.length > FEW_ATTRIBUTES ? new Set<string>() : undefined;
  for (const attr of list) {
    let key = attr.name;
    if (attr.prefix === '') {
      if (attr.name === 'xmlns') attr.uri = XMLNS_NS;
    } else {
      const u = attr.prefix === 'xmlns' ? XMLNS_NS : resolve(attr.prefix, ns, outer);
      if (u === undefined || u === '') throw new XmlSyntaxError(`unbound namespace prefix: ${JSON.stringify(attr.prefix)}.`);
      attr.uri = u;
      key = `{${u}}${attr.local}`;
    }
    if (seen ? seen.has(key) : keys.includes(key)) throw new XmlSyntaxError(`duplicate attribute: ${key}.`);
    if (seen) seen.add(key);
    else keys.push(key);
  }
  return { name, prefix, local, uri, attributes: list, ns, selfClosing: empty };
}

/** A prefix resolved: the tag's own declarations, then the reserved 'xml', then the outer scopes. */
function resolve(prefix: string, ns: Record<string, string>, outer: PrefixResolver): string | undefined {
  const own = ns[prefix];
  return own !== undefined ? own : prefix === 'xml' ? XML_NS : outer(prefix);
}

/** The name of the end tag `t` ('</' name S? '>'). */
export function readEndTag(t: string): string {
  let e = t.length - 1;
  while (e > 2 && isSpace(t.charCodeAt(e - 1))) e--;
  if (e === 2) throw new XmlSyntaxError('weird empty close tag.');
  if (nameEnd(t, 2) !== e) throw new XmlSyntaxError('disallowed character in closing tag.');
  return t.slice(2, e);
}

/** Splits a qualified name; one colon at most, with a name on each side. */
export function qname(name: string): [prefix: string, local: string] {
  const colon = name.indexOf(':');
  if (colon < 0) return ['', name];
  if (colon === 0 || colon === name.length - 1 || name.indexOf(':', colon + 1) >= 0) {
    throw new XmlSyntaxError(`malformed name: ${name}.`);
  }
  return [name.slice(0, colon), name.slice(colon + 1)];
}

/** The reserved prefixes and namespaces (Namespaces in XML 1.0 §3). */
function checkDeclaration(prefix: string, uri: string): void {
  if (prefix === 'xml' && uri !== XML_NS) throw new XmlSyntaxError(`xml prefix must be bound to ${XML_NS}.`);
  if (prefix === 'xmlns') throw new XmlSyntaxError(`xmlns prefix must be bound to ${XMLNS_NS}.`);
  if (uri === XMLNS_NS) throw new XmlSyntaxError(`may not bind a prefix to ${XMLNS_NS}.`);
  if (uri === XML_NS && prefix !== 'xml') throw new XmlSyntaxError(`may not bind ${XML_NS} to another prefix than xml.`);
}
