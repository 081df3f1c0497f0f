// Stored XML fragments: an element cut out of a stanza is serialised with every namespace
// declaration it inherited, and read back with the server's own hardened parser (no DTDs,
// entities, comments or PIs), so stored data is held to the rules of the stream it came from.
// (The same helper exists in src/modules/vcard/; it belongs in src/xmpp/ once core takes it.)
import { StreamParser } from '../../xmpp/stream-parser.js';
import type { StreamError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';

function copy(el: Element): Element {
  const out = xml(el.name, { ...el.attrs });
  for (const c of el.children) out.append(typeof c === 'string' ? c : copy(c));
  return out;
}

function usedPrefixes(el: Element, into: Set<string>): Set<string> {
  const add = (name: string): void => {
    const i = name.indexOf(':');
    if (i > 0) into.add(name.slice(0, i));
  };
  add(el.name);
  for (const a of Object.keys(el.attrs)) if (a !== 'xmlns' && !a.startsWith('xmlns:')) add(a);
  for (const c of el.children) if (typeof c !== 'string') usedPrefixes(c, into);
  return into;
}

/**
 * A deep copy of `el` that stands on its own: the default namespace and every prefix it uses
 * but inherits from its ancestors are declared on the copy's root.
 */
export function standalone(el: Element): Element {
  const out = copy(el);
  const attrs = out.attrs as Record<string, string>;
  if (attrs.xmlns === undefined) {
    const ns = el.parent?.findNS();
    if (ns) attrs.xmlns = ns;
  }
  for (const p of usedPrefixes(el, new Set())) {
    if (p === 'xml' || attrs[`xmlns:${p}`] !== undefined) continue;
    const ns = el.findNS(p);
    if (ns) attrs[`xmlns:${p}`] = ns;
  }
  return out;
}

/** Parses one element serialised by `standalone(...).toString()`; throws when it is not one. */
export function parseStored(text: string): Element {
  let found: Element | undefined;
  let failed: StreamError | undefined;
  const parser = new StreamParser({
    onStreamStart: () => undefined,
    onStanza: (el) => {
      found ??= el;
    },
    onStreamEnd: () => undefined,
    onError: (err) => {
      failed = err;
    },
  }, { maxStanzaBytes: Buffer.byteLength(text, 'utf8') + 64, maxDepth: 256, maxHeaderBytes: 1024 });
  parser.write(Buffer.from(`<stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAMS}'>${text}</stream:stream>`, 'utf8'));
  if (failed || !found) throw new Error(`stored XML is not readable: ${failed?.message ?? 'no element'}`);
  return found;
}
