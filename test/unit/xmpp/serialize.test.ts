// serialize(): the same text as the element library's toString() (which it replaces on the
// per-stanza paths), except attribute whitespace kept through a round trip (XML 1.0 §3.3.3).
import assert from 'node:assert/strict';
import { serialize } from '../../../src/xmpp/serialize.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import { xml, type Element } from '../../../src/xmpp/xml.js';

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['a', 'body', 'x', '&', '<', '>', '"', "'", ' ', 'ü', '😀', '&amp;', ']]>', '='];

function randomText(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

function randomElement(r: () => number, depth: number): Element {
  const attrs: Record<string, string> = {};
  const na = Math.floor(r() * 4);
  for (let i = 0; i < na; i++) attrs[`a${i}`] = randomText(r);
  const el = xml(['message', 'body', 'x', 'iq', 'query'][Math.floor(r() * 5)]!, attrs);
  const nc = depth > 3 ? 0 : Math.floor(r() * 4);
  for (let i = 0; i < nc; i++) el.append(r() < 0.5 ? randomText(r) || 't' : randomElement(r, depth + 1));
  return el;
}

describe('xmpp/serialize', () => {
  it('writes what toString() writes, on 2,000 random elements with markup characters', () => {
    const r = rng(20261128);
    for (let i = 0; i < 2000; i++) {
      const el = randomElement(r, 0);
      assert.equal(serialize(el), el.toString(), `case ${i}`);
    }
  });

  it('leaves out null and undefined attributes and writes numbers as text', () => {
    const el = xml('iq', { id: 'q', type: undefined, n: 5 } as unknown as Record<string, string>, xml('a', { b: null } as unknown as Record<string, string>));
    assert.equal(serialize(el), '<iq id="q" n="5"><a/></iq>');
  });

  it('escapes tab, line feed and carriage return in attribute values so they read back unchanged', () => {
    const el = xml('message', { xmlns: 'jabber:client', id: 'a\tb\nc\rd' }, xml('body', {}, 'x'));
    const text = serialize(el);
    assert.equal(text, '<message xmlns="jabber:client" id="a&#9;b&#10;c&#13;d"><body>x</body></message>');
    assert.equal(parseStored(text)?.attrs.id, 'a\tb\nc\rd');
  });

  it('consecutive calls do not share output, after a long element or a failed call too', () => {
    const long = xml('a', {}, ...Array.from({ length: 400 }, (_, i) => xml('b', { i: String(i) })));
    assert.equal(serialize(long), long.toString());
    assert.equal(serialize(xml('a')), '<a/>');
    const y = xml('y');
    (y.attrs as Record<string, unknown>).v = { toString: (): string => { throw new Error('no text'); } };
    const broken = xml('x', {}, xml('z', {}, 'first'), y);
    assert.throws(() => serialize(broken), /no text/);
    assert.equal(serialize(xml('b', {}, 'c')), '<b>c</b>');
  });
});
