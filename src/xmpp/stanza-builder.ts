// Builds standalone stanza elements from the namespace-aware events of the tokenizer
// (xml-tokenizer.ts), for the stream parser (RFC 6120 §4.1: a stanza is a first-level child of
// the stream).
//
// The tokenizer resolves every name against the declarations in scope, including the ones on the stream
// header. An ltx Element only resolves against its own ancestors, so a stanza cut out of the
// stream would lose the declarations it inherited from the header (the default 'jabber:client',
// the 'stream' prefix, any other prefix declared there). Each element therefore gets an explicit
// `xmlns` / `xmlns:prefix` attribute exactly where the tree we build would otherwise resolve its
// name to a different namespace than the one the tokenizer resolved. Declarations written by the peer are
// kept as written.
import type { XmlTag } from './xml-tags.js';
import { Element, setAttribute } from './xml.js';

/** Where a prefix may be resolved without a declaration (Namespaces in XML §3). */
const XML_PREFIX = 'xml';

export class StanzaBuilder {
  /** Open elements of the current stanza, outermost first. */
  private readonly stack: Element[] = [];
  /** The default namespace an unprefixed name would resolve to in the tree we built, per element. */
  private readonly defaults: (string | undefined)[] = [];

  clear(): void {
    this.stack.length = 0;
    this.defaults.length = 0;
  }

  /** Opens an element; the first one opened after a clear() becomes the stanza root. */
  open(tag: XmlTag): void {
    const top = this.stack.length - 1;
    const parent = top >= 0 ? this.stack[top] : undefined;
    let inherited = top >= 0 ? this.defaults[top] : undefined;

    const el = new Element(tag.name);
    const attrs = el.attrs as Record<string, string>;
    const declared = tag.ns[''];
    if (declared !== undefined) inherited = declared; // written xmlns='...' (copied below)
    else if (tag.prefix === '' && (parent === undefined || tag.uri !== (inherited ?? ''))) {
      // Inherited from outside the tree we build (for a stanza: from the stream header). The
      // root always says it, even when it is no namespace, so the stanza means the same
      // wherever it is written.
      attrs.xmlns = tag.uri;
      inherited = tag.uri;
    }

    const { attributes } = tag;
    for (const attr of attributes) setAttribute(attrs, attr.name, attr.value);
    if (declared !== undefined) attrs.xmlns = declared;

    if (tag.prefix !== '') declarePrefix(el, parent, tag.prefix, tag.uri);
    for (const attr of attributes) {
      if (attr.prefix !== '' && attr.prefix !== 'xmlns') declarePrefix(el, parent, attr.prefix, attr.uri);
    }

    if (parent) {
      parent.children.push(el);
      el.parent = parent;
    }
    this.stack.push(el);
    this.defaults.push(inherited);
  }

  /** Appends character data to the innermost open element. */
  text(data: string): void {
    const el = this.stack[this.stack.length - 1];
    if (!el) return;
    const { children } = el;
    const last = children.length - 1;
    const prev = children[last];
    if (typeof prev === 'string') children[last] = prev + data;
    else children.push(data);
  }

  /** Closes the innermost element and returns it. */
  close(): Element | undefined {
    const el = this.stack.pop();
    this.defaults.pop();
    // Emptied this way, the stacks keep no storage between stanzas (a stream may idle for hours).
    if (this.stack.length === 0) this.clear();
    return el;
  }
}

/** Adds `xmlns:prefix` to `el` unless the tree built so far already resolves `prefix` to `uri`. */
function declarePrefix(el: Element, parent: Element | undefined, prefix: string, uri: string): void {
  if (prefix === XML_PREFIX) return;
  const key = `xmlns:${prefix}`;
  const attrs = el.attrs as Record<string, string>;
  const own = attrs[key];
  const resolved = own !== undefined ? own : parent?.findNS(prefix);
  if (resolved !== uri) attrs[key] = uri;
}
