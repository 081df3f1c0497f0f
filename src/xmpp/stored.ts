// Stored XML fragments: an element cut out of a stanza is serialised with every namespace
// declaration it inherited, and read back with the server's own hardened parser (no DTDs,
// entities, comments or PIs), so stored data is held to the rules of the stream it came from.
import { StreamParser } from './stream-parser.js';
import type { StreamError } from './errors.js';
import { NS } from './ns.js';
import { shallowCopy, type Element } from './xml.js';

function copy(el: Element): Element {
  const out = shallowCopy(el);
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

/**
 * Limits for text the server wrote itself: generous, since what was stored already passed a
 * stream's limits, and a limit lowered later must not make stored data unreadable.
 */
const STORED_LIMITS = { maxStanzaBytes: 64 * 1024 * 1024, maxDepth: 1000, maxHeaderBytes: 4096 };
const OPEN = Buffer.from(`<stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAMS}'>`, 'utf8');

/** The one element serialised in `text`, or undefined when the text holds anything else. */
export function parseStored(text: string): Element | undefined {
  const found: Element[] = [];
  let failed: StreamError | undefined;
  const parser = new StreamParser({
    onStreamStart: () => undefined,
    onStanza: (el) => found.push(el),
    onStreamEnd: () => undefined,
    onError: (err) => {
      failed = err;
    },
  }, STORED_LIMITS);
  parser.write(OPEN);
  parser.write(Buffer.from(text, 'utf8'));
  return failed || found.length !== 1 ? undefined : found[0];
}
