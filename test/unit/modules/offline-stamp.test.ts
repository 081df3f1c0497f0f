// Stamps added before storage (XEP-0203 delay, XEP-0359 stanza-id) and reading stored text back.
import assert from 'node:assert/strict';
import { stampForStorage, withDelay, type Stamp } from '../../../src/modules/offline/stamp.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import { xml, type Element } from '../../../src/xmpp/xml.js';

const STAMP: Stamp = { host: 'example.org', account: 'juliet@example.org', at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), id: 'id-1' };

function parse(text: string): Element {
  const el = parseStored(text);
  assert.ok(el, `parses: ${text}`);
  return el;
}

function children(el: Element, name: string, ns: string): Element[] {
  return el.getChildren(name, ns);
}

describe('modules/offline: stamps and stored text', () => {
  it("keeps every attribute of the stanza through the copy and the stored text, one named '__proto__' too", () => {
    const out = stampForStorage(parse("<message __proto__='p' to='juliet@example.org' type='chat'><body>hi</body></message>"), STAMP);
    for (const el of [out, parse(out.toString())]) {
      assert.equal(Object.getPrototypeOf(el.attrs), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(el.attrs, '__proto__')?.value, 'p');
      assert.equal(el.attrs.type, 'chat');
    }
  });

  it('adds one delay from the host with a UTC stamp in milliseconds (XEP-0203 §2, XEP-0082)', () => {
    const out = stampForStorage(parse("<message from='romeo@example.net/orchard' to='juliet@example.org' type='chat'><body>hi</body></message>"), STAMP);
    const delays = children(out, 'delay', 'urn:xmpp:delay');
    assert.equal(delays.length, 1);
    assert.equal(delays[0]!.attrs.from, 'example.org');
    assert.equal(delays[0]!.attrs.stamp, '2024-01-02T03:04:05.678Z');
  });

  it('adds a stanza-id assigned by the account (XEP-0359 §2.1)', () => {
    const out = stampForStorage(parse("<message to='juliet@example.org'><body>hi</body></message>"), STAMP);
    const ids = children(out, 'stanza-id', 'urn:xmpp:sid:0');
    assert.deepEqual(ids.map((i) => [i.attrs.id, i.attrs.by]), [['id-1', 'juliet@example.org']]);
  });

  it('removes a stanza-id the sender put in with the account as by, keeps others and the origin-id (XEP-0359 §3)', () => {
    const input = parse("<message to='juliet@example.org'><body>hi</body>" +
      "<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='Juliet@Example.org'/>" +
      "<stanza-id xmlns='urn:xmpp:sid:0' id='room-id' by='room@muc.example.net'/>" +
      "<origin-id xmlns='urn:xmpp:sid:0' id='orig'/></message>");
    const out = stampForStorage(input, STAMP);
    const ids = children(out, 'stanza-id', 'urn:xmpp:sid:0').map((i) => i.attrs.id);
    assert.deepEqual(ids, ['room-id', 'id-1']);
    assert.equal(out.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id, 'orig');
  });

  it('keeps the stanza-id the archive assigned instead of adding a second one (XEP-0359 §3, XEP-0313 §3.5)', () => {
    const input = parse("<message to='juliet@example.org'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='archived' by='juliet@example.org'/></message>");
    const ids = children(stampForStorage(input, { ...STAMP, reuseAccountId: true }), 'stanza-id', 'urn:xmpp:sid:0');
    assert.deepEqual(ids.map((i) => [i.attrs.id, i.attrs.by]), [['archived', 'juliet@example.org']]);
    const plain = children(stampForStorage(parse("<message to='juliet@example.org'><body>hi</body></message>"), { ...STAMP, reuseAccountId: true }), 'stanza-id', 'urn:xmpp:sid:0');
    assert.deepEqual(plain.map((i) => i.attrs.id), ['id-1'], 'a message the archive did not take gets its own');
  });

  it('discards a delay claiming to come from this server, keeps other delays (XEP-0203 §5)', () => {
    const input = parse("<message to='juliet@example.org'><body>hi</body>" +
      "<delay xmlns='urn:xmpp:delay' from='example.org' stamp='2000-01-01T00:00:00Z'/>" +
      "<delay xmlns='urn:xmpp:delay' from='example.net' stamp='2001-01-01T00:00:00Z'/></message>");
    const stamps = children(stampForStorage(input, STAMP), 'delay', 'urn:xmpp:delay').map((d) => d.attrs.stamp);
    assert.deepEqual(stamps, ['2001-01-01T00:00:00Z', '2024-01-02T03:04:05.678Z']);
  });

  it('leaves the original stanza untouched', () => {
    const input = parse("<message to='juliet@example.org'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='juliet@example.org'/></message>");
    const before = input.toString();
    stampForStorage(input, STAMP);
    assert.equal(input.toString(), before);
  });

  it('round-trips through the stored text with namespaces, prefixes and escaping intact', () => {
    const input = parse("<message xmlns='jabber:client' from='a@example.net/r' to='juliet@example.org' type='chat' id='m&amp;1'>" +
      "<body>1 &lt; 2 &amp; ünïcødé 😀</body><x:foo xmlns:x='urn:example:x'><x:bar a='&quot;'/></x:foo></message>");
    const back = parse(stampForStorage(input, STAMP).toString());
    assert.equal(back.attrs.id, 'm&1');
    assert.equal(back.getChildText('body'), '1 < 2 & ünïcødé 😀');
    assert.equal(back.getChild('foo', 'urn:example:x')?.getChild('bar', 'urn:example:x')?.attrs.a, '"');
    assert.equal(back.getNS(), 'jabber:client');
  });

  it('reads a stanza serialised without a namespace as jabber:client', () => {
    const text = stampForStorage(xml('message', { to: 'juliet@example.org' }, xml('body', {}, 'x')), STAMP).toString();
    assert.equal(parse(text).getNS(), 'jabber:client');
  });

  it('keeps the original delay of a message stored again after a session did not acknowledge it, adding none (XEP-0198 §4)', () => {
    const input = parse("<message to='juliet@example.org/phone'><body>hi</body>" +
      "<delay xmlns='urn:xmpp:delay' from='example.org' stamp='2020-01-01T00:00:00.000Z'>Offline Storage</delay></message>");
    const out = stampForStorage(input, { ...STAMP, redelivery: true });
    assert.deepEqual(children(out, 'delay', 'urn:xmpp:delay').map((d) => d.attrs.stamp), ['2020-01-01T00:00:00.000Z']);
    assert.equal(children(out, 'stanza-id', 'urn:xmpp:sid:0').length, 1);
    const fresh = stampForStorage(parse("<message to='juliet@example.org'><body>hi</body></message>"), { ...STAMP, redelivery: true });
    assert.deepEqual(children(fresh, 'delay', 'urn:xmpp:delay').map((d) => d.attrs.stamp), ['2024-01-02T03:04:05.678Z']);
  });

  it('stamps a message handed to another resource once, leaving the original untouched (XEP-0198 §4, XEP-0203)', () => {
    const input = parse("<message to='juliet@example.org/phone'><body>hi</body></message>");
    const out = withDelay(input, 'example.org', STAMP.at);
    assert.deepEqual(children(out, 'delay', 'urn:xmpp:delay').map((d) => [d.attrs.from, d.attrs.stamp]), [['example.org', '2024-01-02T03:04:05.678Z']]);
    assert.equal(children(input, 'delay', 'urn:xmpp:delay').length, 0);
    assert.equal(withDelay(out, 'example.org', new Date()), out, 'already stamped by this server');
  });

  it('refuses stored text that is not exactly one well-formed stanza', () => {
    for (const bad of ['', '<message>', '<message/><message/>', 'text', "<message><!-- c --></message>", '<!DOCTYPE x><message/>']) {
      assert.equal(parseStored(bad), undefined, bad);
    }
  });
});
