// Tests for the streaming XML parser: RFC 6120 §4 (streams) and §11 (XML usage): the stream
// header, stanzas, and chunking with UTF-8. Restricted XML, well-formedness and the stream root
// are in stream-parser-xml-rules.test.ts; its limits and its errors and restarts are in
// stream-parser-limits.test.ts.
import assert from 'node:assert/strict';
import { NS } from '../../../src/xmpp/ns.js';
import { condition, Harness, HEADER, parse, summary } from '../../support/stream-parser-harness.js';

describe('StreamParser', () => {
  describe('stream header and stanzas (RFC 6120 §4.2, §4.7, §4.8)', () => {
    it('reports the stream header with its resolved namespace, attributes and content namespace (§4.7, §4.8.2)', () => {
      const h = parse(HEADER);
      assert.deepEqual(h.events, [{
        type: 'start',
        header: {
          uri: NS.STREAMS, local: 'stream', prefix: 'stream', defaultNs: NS.CLIENT,
          attrs: {
            xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAMS, to: 'example.com', version: '1.0', 'xml:lang': 'en',
          },
        },
      }]);
    });

    it('reports defaultNs as the empty string when the header declares no content namespace (§4.8.2)', () => {
      const h = parse("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='example.com'>");
      assert.equal(h.events[0]?.type === 'start' && h.events[0].header.defaultNs, '');
    });

    it('emits each first-level element as a standalone stanza carrying the inherited content namespace (§4.1, §4.8.3)', () => {
      const h = parse(`${HEADER}<message to='juliet@example.com' type='chat'><body>hi</body></message>`);
      const [el] = h.stanzas;
      assert.ok(el);
      assert.equal(el.attrs.xmlns, NS.CLIENT);
      assert.ok(el.is('message', NS.CLIENT));
      assert.equal(el.parent, null);
      assert.equal(el.getChildText('body', NS.CLIENT), 'hi');
      assert.equal(el.toString(), '<message xmlns="jabber:client" to="juliet@example.com" type="chat"><body>hi</body></message>');
    });

    it('emits a stanza as soon as its end tag arrives, before the stream ends (§4.1)', () => {
      const h = new Harness().write(HEADER).write('<presence><show>away</show>');
      assert.equal(h.stanzas.length, 0);
      h.write('</presence>');
      assert.equal(h.stanzas.length, 1);
      assert.ok(!h.events.some((e) => e.type === 'end'));
    });

    it('keeps child namespaces as written and makes inherited ones explicit where they differ (§4.8.4)', () => {
      const h = parse(`${HEADER}<message><active xmlns='http://jabber.org/protocol/chatstates'/>` +
        "<x xmlns='jabber:x:data'><field var='a'><value>1</value></field></x><body>b</body></message>");
      const el = h.stanzas[0]!;
      assert.ok(el.getChild('active', 'http://jabber.org/protocol/chatstates'));
      const form = el.getChild('x', NS.DATA_FORMS)!;
      assert.ok(form);
      assert.equal(form.getChild('field', NS.DATA_FORMS)?.getChildText('value', NS.DATA_FORMS), '1');
      assert.equal(el.getChildText('body', NS.CLIENT), 'b');
      assert.equal(el.toString(),
        '<message xmlns="jabber:client"><active xmlns="http://jabber.org/protocol/chatstates"/>' +
        '<x xmlns="jabber:x:data"><field var="a"><value>1</value></field></x><body>b</body></message>');
    });

    it('keeps prefixed elements in their namespace: <stream:error> resolves standalone (§4.9.2)', () => {
      const h = parse(`${HEADER}<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>` +
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>oops</text></stream:error>");
      const el = h.stanzas[0]!;
      assert.ok(el.is('error', NS.STREAMS));
      assert.equal(el.attrs['xmlns:stream'], NS.STREAMS);
      assert.ok(el.getChild('not-well-formed', NS.STREAM_ERRORS));
      assert.equal(el.getChild('text', NS.STREAM_ERRORS)?.attrs['xml:lang'], 'en');
    });

    it('keeps prefixes declared on the stream header usable when the stanza stands alone (Namespaces in XML §6)', () => {
      const header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:e='urn:example'>";
      const h = parse(`${header}<message e:flag='1'><e:item><plain/></e:item><stream:features/></message>`);
      const el = h.stanzas[0]!;
      const item = el.getChild('item', 'urn:example')!;
      assert.ok(item);
      assert.ok(item.getChild('plain', NS.CLIENT));
      assert.equal(el.getAttr('flag', 'urn:example'), '1');
      assert.ok(el.getChild('features', NS.STREAMS));
      // Re-parsing the serialised stanza under a header that declares nothing gives it back unchanged.
      const again = parse(`<s:stream xmlns:s='http://etherx.jabber.org/streams'>${el.toString()}`);
      assert.equal(again.stanzas[0]?.toString(), el.toString());
    });

    it('treats a foreign default namespace on a stanza as written (§4.8.4)', () => {
      const h = parse(`${HEADER}<r xmlns='urn:xmpp:sm:3'/>`);
      assert.ok(h.stanzas[0]?.is('r', 'urn:xmpp:sm:3'));
      assert.equal(h.stanzas[0]?.toString(), '<r xmlns="urn:xmpp:sm:3"/>');
    });

    it('preserves xml:lang on stanzas and children (§8.1.5)', () => {
      const h = parse(`${HEADER}<message xml:lang='de'><body xml:lang='fr'>salut</body></message>`);
      const el = h.stanzas[0]!;
      assert.equal(el.attrs['xml:lang'], 'de');
      assert.equal(el.getChild('body')?.attrs['xml:lang'], 'fr');
      assert.match(el.toString(), /xml:lang="de"/);
    });

    it('decodes the predefined entities, character references and CDATA, which §11.1 allows', () => {
      const h = parse(`${HEADER}<message id='a&amp;b&apos;&quot;&lt;&gt;'><body>&lt;x&gt; &amp; &#x4F60;&#22909; &#x1F600;<![CDATA[<raw> & ]]></body></message>`);
      const el = h.stanzas[0]!;
      assert.equal(el.attrs.id, 'a&b\'"<>');
      assert.equal(el.getChildText('body'), '<x> & 你好 😀<raw> & ');
    });

    it('ignores whitespace keepalives between stanzas (§11.7)', () => {
      const h = new Harness().write(HEADER).write(' ').write('\n\t\r\n ').write('<presence/>').write('  ');
      assert.deepEqual(h.events.map((e) => e.type), ['start', 'stanza']);
    });

    it('refuses character data between stanzas with <not-well-formed/> (§4.9.3.13)', () => {
      assert.equal(condition(`${HEADER}hello<presence/>`), 'not-well-formed');
      assert.equal(condition(`${HEADER}<presence/><![CDATA[x]]><presence/>`), 'not-well-formed');
    });

    it('does not emit a stanza closed by a mismatched end tag (§4.9.3.13)', () => {
      for (const xml of ['<message><body>x</body></stream:stream>', '<message></presence>', '<iq><query></iq>']) {
        const h = parse(`${HEADER}${xml}`);
        assert.deepEqual(h.events.map((e) => e.type), ['start', 'error'], xml);
        assert.equal(h.error().condition, 'not-well-formed');
      }
    });

    it('emits a stanza whose end tag ends a chunk without waiting for more input (§4.1)', () => {
      const h = new Harness().write(HEADER).write('<presence/>');
      assert.equal(h.stanzas.length, 1);
      h.write('<message>').write('</message>');
      assert.equal(h.stanzas.length, 2);
    });

    it('reports the closing stream tag and ignores what follows it (§4.4)', () => {
      const h = new Harness().write(`${HEADER}<presence/></stream:stream>junk<presence/>`).write('<x/>');
      assert.deepEqual(h.events.map((e) => e.type), ['start', 'stanza', 'end']);
    });
  });

  describe('chunking and UTF-8 (RFC 6120 §11.6)', () => {
    const stream = Buffer.from(`${HEADER}\r\n<message to='r@example.com' xml:lang='zh'>` +
      '<body>你好, мир, 😀 &amp; &#x1F600; done\r\nline</body>' +
      "<thread xmlns:x='urn:x' x:a='ä'>t</thread></message> " +
      "<iq type='get' id='é1'><query xmlns='jabber:iq:roster'/></iq><presence/></stream:stream>", 'utf8');
    const expected = summary(parse(stream));

    it('the reference stream parses without error', () => {
      assert.deepEqual(expected.map((s) => s.split(' ')[0]), ['start', 'stanza', 'stanza', 'stanza', 'end']);
    });

    it('gives identical results when split into two chunks at every byte, including inside multi-byte characters', () => {
      for (let cut = 1; cut < stream.length; cut++) {
        const h = new Harness().write(stream.subarray(0, cut)).write(stream.subarray(cut));
        assert.deepEqual(summary(h), expected, `split at byte ${cut}`);
      }
    });

    it('gives identical results when fed one byte at a time', () => {
      const h = new Harness();
      for (let i = 0; i < stream.length; i++) h.write(stream.subarray(i, i + 1));
      assert.deepEqual(summary(h), expected);
    });

    it('gives identical results for every chunk size from 2 to 17 bytes', () => {
      for (let size = 2; size <= 17; size++) {
        const h = new Harness();
        for (let i = 0; i < stream.length; i += size) h.write(stream.subarray(i, i + size));
        assert.deepEqual(summary(h), expected, `chunks of ${size}`);
      }
    });

    it('refuses invalid UTF-8 bytes with <unsupported-encoding/> (§4.9.3.22: "violating the rules of the UTF-8 encoding")', () => {
      const bad = (bytes: number[]) => Buffer.concat([Buffer.from(`${HEADER}<message><body>`), Buffer.from(bytes), Buffer.from('</body></message>')]);
      assert.equal(condition(bad([0xff])), 'unsupported-encoding');
      assert.equal(condition(bad([0xc0, 0xaf])), 'unsupported-encoding', 'overlong form');
      assert.equal(condition(bad([0xed, 0xa0, 0x80])), 'unsupported-encoding', 'encoded surrogate');
      assert.equal(condition(bad([0xe4, 0xbd, 0x41])), 'unsupported-encoding', 'truncated sequence');
      assert.equal(condition(bad([0xf4, 0x90, 0x80, 0x80])), 'unsupported-encoding', 'beyond U+10FFFF');
    });

    it('refuses a truncated multi-byte sequence split across chunks (§4.9.3.22)', () => {
      const h = new Harness().write(`${HEADER}<message><body>`).write(Buffer.from([0xe4, 0xbd])).write(Buffer.from('x</body>'));
      assert.equal(h.error().condition, 'unsupported-encoding');
      assert.equal(h.stanzas.length, 0);
    });

    it('refuses a chunk ending in bytes no character can start with, without waiting for more input (§4.9.3.22)', () => {
      for (const tail of [[0xe0, 0x80], [0xed, 0xa0], [0xf0, 0x80], [0xf4, 0x90], [0xf5], [0xc1], [0xe4, 0x41]]) {
        const h = new Harness().write(`${HEADER}<message><body>`).write(Buffer.from(tail));
        assert.equal(h.error().condition, 'unsupported-encoding', tail.map((b) => b.toString(16)).join(' '));
      }
      for (const tail of [[0xe0, 0xa0], [0xed, 0x9f], [0xf0, 0x90, 0x80], [0xf4, 0x8f], [0xc2]]) {
        const h = new Harness().write(`${HEADER}<message><body>`).write(Buffer.from(tail));
        assert.equal(h.errors.length, 0, tail.map((b) => b.toString(16)).join(' '));
      }
    });

    it('refuses an XML declaration naming another encoding with <unsupported-encoding/> (§11.6)', () => {
      assert.equal(condition("<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream/>"), 'unsupported-encoding');
      assert.equal(parse("<?xml version='1.0' encoding='UTF-8'?>" + HEADER.slice(21)).errors.length, 0);
    });
  });
});
