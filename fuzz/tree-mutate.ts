// Mutations that keep XML well-formed: stanzas are parsed, changed as trees (attribute values
// from a dictionary of awkward JIDs, types and numbers; attributes dropped; children removed,
// repeated, moved between stanzas or renamed; namespaces swapped) and written out again. Byte
// mutations mostly stop at the parser; these reach the router and the modules.
import { StreamParser } from '../src/xmpp/stream-parser.js';
import { xml, type Element } from '../src/xmpp/xml.js';
import type { Rng } from './rng.js';
import { STREAM_HEADER } from './corpus.js';

const VALUES = [
  '', ' ', 'localhost', 'LOCALHOST', 'bystander@localhost', 'fuzz@localhost', 'nobody@localhost', 'a@b@c', '@localhost',
  'user@', '/resource', 'localhost/res', 'remote.example', 'x@remote.example/r', '[::1]', '127.0.0.1', 'ᴮystander@localhost',
  'user@localhost/' + 'r'.repeat(1100), 'x'.repeat(1100) + '@localhost', 'get', 'set', 'result', 'error', 'chat', 'groupchat',
  'headline', 'normal', 'unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'probe', 'invisible', 'remove', 'both',
  'none', 'to', 'from', '-1', '0', '128', '-129', '99999999999999999999', '1.5', 'NaN', 'en', 'zz-ZZ', '\u202e', '😀',
  'urn:xmpp:ping', 'jabber:iq:roster', 'jabber:client', 'urn:xmpp:blocking', 'vcard-temp', 'jabber:iq:private',
];
const ATTRS = ['to', 'from', 'type', 'id', 'xmlns', 'xml:lang', 'jid', 'name', 'subscription', 'ask', 'ver', 'node', 'var', 'approved'];
const NAMES = ['message', 'presence', 'iq', 'query', 'item', 'body', 'error', 'group', 'priority', 'show', 'status', 'block', 'unblock', 'vCard', 'ping', 'x'];

/** Parses whole stanzas written in the client namespace. */
export function parseStanzas(xml: readonly string[]): Element[] {
  const out: Element[] = [];
  const parser = new StreamParser({
    onStreamStart: () => undefined,
    onStanza: (el) => out.push(el),
    onStreamEnd: () => undefined,
    onError: (err) => {
      throw new Error(`corpus stanza does not parse: ${err.message}`);
    },
  }, { maxStanzaBytes: 1 << 20, maxDepth: 64, maxHeaderBytes: 65536 });
  parser.write(Buffer.from(STREAM_HEADER + xml.join(''), 'utf8'));
  return out;
}

function copy(el: Element): Element {
  const out = xml(el.name, { ...el.attrs });
  for (const c of el.children) out.children.push(typeof c === 'string' ? c : copy(c));
  return out;
}

function elementsOf(root: Element): Element[] {
  const all: Element[] = [root];
  for (let i = 0; i < all.length; i++) all.push(...all[i]!.children.filter((c): c is Element => typeof c !== 'string'));
  return all;
}

type TreeMutation = (rng: Rng, el: Element, donors: readonly Element[]) => void;

const TREE_MUTATIONS: TreeMutation[] = [
  (rng, el) => {
    el.attrs[rng.pick(ATTRS)] = rng.pick(VALUES);
  },
  (rng, el) => {
    const keys = Object.keys(el.attrs).filter((k) => k !== 'xmlns' || rng.chance(0.3));
    if (keys.length > 0) delete el.attrs[rng.pick(keys)];
  },
  (rng, el) => {
    el.name = rng.pick(NAMES);
  },
  (rng, el) => {
    if (el.children.length > 0) el.children.splice(rng.int(el.children.length), 1);
  },
  (rng, el) => {
    if (el.children.length === 0) return;
    const child = el.children[rng.int(el.children.length)]!;
    for (let n = rng.range(1, 30); n > 0; n--) el.children.push(typeof child === 'string' ? child : copy(child));
  },
  (rng, el, donors) => {
    const donor = copy(rng.pick(elementsOf(rng.pick(donors))));
    el.children.push(donor);
  },
  (rng, el) => {
    el.children = [rng.pick(VALUES)];
  },
];

/** A well-formed variation of `stanza`: one to four changes to randomly chosen elements of it. */
export function mutateTree(rng: Rng, stanza: Element, donors: readonly Element[]): string {
  const root = copy(stanza);
  for (let n = rng.range(1, 4); n > 0; n--) rng.pick(TREE_MUTATIONS)(rng, rng.pick(elementsOf(root)), donors);
  return root.toString();
}
