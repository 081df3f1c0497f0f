// Tests for the streaming XML parser: RFC 6120 §4 (streams), §4.9.3 (stream error conditions),
// §11 (XML usage), and the hard limits that keep a peer from exhausting memory (§13.12).
import assert from 'node:assert/strict';
import { StreamError } from '../../../src/xmpp/errors.js';
import { NS } from '../../../src/xmpp/ns.js';
import {
  StreamParser, type StreamHeader, type StreamParserLimits,
} from '../../../src/xmpp/stream-parser.js';
import type { Element } from '../../../src/xmpp/xml.js';
import { XmlTokenizer } from '../../../src/xmpp/xml-tokenizer.js';

type Event =
  | { type: 'start'; header: StreamHeader }
  | { type: 'stanza'; xml: string; el: Element }
  | { type: 'end' }
  | { type: 'error'; condition: string; text: string | undefined; err: StreamError };

const LIMITS: StreamParserLimits = { maxStanzaBytes: 65536, maxDepth: 16, maxHeaderBytes: 4096 };

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' xml:lang='en'>";

class Harness {
  readonly events: Event[] = [];
  readonly parser: StreamParser;
  /** Optional hook run inside onStanza (to reset or throw from a handler). */
  onStanza?: (el: Element) => void;

  constructor(limits: Partial<StreamParserLimits> = {}) {
    this.parser = new StreamParser({
      onStreamStart: (header) => this.events.push({ type: 'start', header }),
      onStanza: (el) => {
        this.events.push({ type: 'stanza', xml: el.toString(), el });
        this.onStanza?.(el);
      },
      onStreamEnd: () => this.events.push({ type: 'end' }),
      onError: (err) => this.events.push({ type: 'error', condition: err.condition, text: err.text, err }),
    }, { ...LIMITS, ...limits });
  }

  write(data: string | Buffer): this {
    this.parser.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    return this;
  }

  get stanzas(): Element[] {
    return this.events.flatMap((e) => (e.type === 'stanza' ? [e.el] : []));
  }

  get errors(): Extract<Event, { type: 'error' }>[] {
    return this.events.filter((e): e is Extract<Event, { type: 'error' }> => e.type === 'error');
  }

  /** The one error reported; fails when there is none or more than one. */
  error(): Extract<Event, { type: 'error' }> {
    assert.equal(this.errors.length, 1, `expected exactly one error, got ${JSON.stringify(this.events.map((e) => e.type))}`);
    return this.errors[0]!;
  }
}

function parse(data: string | Buffer, limits?: Partial<StreamParserLimits>): Harness {
  return new Harness(limits).write(data);
}

function condition(data: string | Buffer, limits?: Partial<StreamParserLimits>): string {
  return parse(data, limits).error().condition;
}

/** Summary of events that must not depend on how the input was chunked. */
function summary(h: Harness): string[] {
  return h.events.map((e) => {
    switch (e.type) {
      case 'start': return `start ${JSON.stringify(e.header)}`;
      case 'stanza': return `stanza ${e.xml}`;
      case 'end': return 'end';
      case 'error': return `error ${e.condition}`;
    }
  });
}

/** Counts the UTF-16 code units handed to the XML tokenizer while `fn` runs. */
function unitsFedToTokenizer(fn: () => void): number {
  const proto = XmlTokenizer.prototype as unknown as { write(chunk: string | null): unknown };
  const original = proto.write;
  let units = 0;
  proto.write = function write(this: unknown, chunk: string | null) {
    units += chunk?.length ?? 0;
    return original.call(this, chunk);
  };
  try {
    fn();
  } finally {
    proto.write = original;
  }
  return units;
}

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

  describe('restricted XML (RFC 6120 §11.1, §4.9.3.18)', () => {
    it('refuses a DOCTYPE before the stream header', () => {
      assert.equal(condition("<?xml version='1.0'?><!DOCTYPE stream><stream:stream/>"), 'restricted-xml');
    });

    it('refuses a DOCTYPE after the stream header', () => {
      assert.equal(condition(`${HEADER}<!DOCTYPE x>`), 'restricted-xml');
    });

    it('refuses the billion laughs DTD without expanding anything', () => {
      let dtd = '<!ENTITY lol0 "lol">';
      for (let i = 1; i < 10; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
      const h = parse(`<?xml version='1.0'?><!DOCTYPE stream:stream [${dtd}]>${HEADER.slice(21)}<message><body>&lol9;</body></message>`);
      assert.equal(h.error().condition, 'restricted-xml');
      assert.deepEqual(h.events.map((e) => e.type), ['error']);
    });

    it('refuses an external entity declaration without resolving it', () => {
      const h = parse(`<?xml version='1.0'?><!DOCTYPE s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${HEADER.slice(21)}<message><body>&xxe;</body></message>`);
      assert.equal(h.error().condition, 'restricted-xml');
      assert.equal(h.stanzas.length, 0);
    });

    it('refuses references to undefined entities in text and in attribute values', () => {
      assert.equal(condition(`${HEADER}<message><body>&foo;</body></message>`), 'restricted-xml');
      assert.equal(condition(`${HEADER}<message id='&nbsp;'/>`), 'restricted-xml');
    });

    it('refuses comments before the header, between stanzas and inside stanzas', () => {
      assert.equal(condition(`<!-- hi -->${HEADER}`), 'restricted-xml');
      assert.equal(condition(`${HEADER}<!-- hi -->`), 'restricted-xml');
      assert.equal(condition(`${HEADER}<message><!-- hi --></message>`), 'restricted-xml');
    });

    it('refuses processing instructions but accepts the XML declaration', () => {
      assert.equal(condition(`<?xml version='1.0'?><?style x?>${HEADER.slice(21)}`), 'restricted-xml');
      assert.equal(condition(`${HEADER}<message><?php echo 1 ?></message>`), 'restricted-xml');
      assert.equal(parse(HEADER).errors.length, 0);
    });
  });

  describe('well-formedness and namespaces (RFC 6120 §11.3, §4.9.3.2, §4.9.3.13)', () => {
    const nwf: [string, string][] = [
      ['mismatched end tag', '<message><body></message>'],
      ['unquoted attribute value', '<message id=a/>'],
      ['duplicate attribute', "<message id='a' id='b'/>"],
      ['duplicate attribute by expanded name', "<message xmlns:a='urn:z' xmlns:b='urn:z' a:x='1' b:x='2'/>"],
      ["'<' in an attribute value", "<message id='<'/>"],
      ['control character U+0001', '<message><body>\u0001</body></message>'],
      ['character reference to a non-Char (&#0;)', '<message><body>&#0;</body></message>'],
      ['character reference to a control character (&#1;)', '<message><body>&#1;</body></message>'],
      ['malformed entity reference', '<message><body>a & b;</body></message>'],
      ["']]>' in character data", '<message><body>]]></body></message>'],
      ['XML declaration inside the stream', "<?xml version='1.0'?>"],
      ['an undeclared namespace prefix being undeclared', "<message xmlns:p=''/>"],
    ];
    for (const [what, xml] of nwf) {
      it(`refuses ${what} with <not-well-formed/>`, () => {
        assert.equal(condition(`${HEADER}${xml}`), 'not-well-formed');
      });
    }

    it('does not let version="1.1" admit control characters (XMPP uses XML 1.0 only, §11.8)', () => {
      assert.equal(condition("<?xml version='1.1'?>" + HEADER.slice(21) + '<message><body>&#1;\u0001</body></message>'), 'not-well-formed');
    });

    it('refuses text before the stream header with <not-well-formed/>', () => {
      assert.equal(condition('GET / HTTP/1.1\r\n\r\n'), 'not-well-formed');
    });

    it('refuses an undeclared element prefix with <bad-namespace-prefix/> (§4.9.3.2)', () => {
      assert.equal(condition(`${HEADER}<foo:message/>`), 'bad-namespace-prefix');
      assert.equal(condition(`${HEADER}<message><x:y/></message>`), 'bad-namespace-prefix');
    });

    it('refuses an undeclared attribute prefix with <bad-namespace-prefix/> (§4.9.3.2)', () => {
      assert.equal(condition(`${HEADER}<message foo:bar='1'/>`), 'bad-namespace-prefix');
    });

    it('refuses a stream header whose stream prefix is not declared with <bad-namespace-prefix/> (§4.9.3.2)', () => {
      assert.equal(condition("<stream:stream xmlns='jabber:client' to='example.com'>"), 'bad-namespace-prefix');
    });

    it('refuses a stream-namespace element without the stream prefix with <bad-namespace-prefix/> (§4.8.1)', () => {
      assert.equal(condition("<stream xmlns='http://etherx.jabber.org/streams'>"), 'bad-namespace-prefix');
      assert.equal(condition(`${HEADER}<error xmlns='http://etherx.jabber.org/streams'/>`), 'bad-namespace-prefix');
    });
  });

  describe('stream root (RFC 6120 §4.8.1, §4.9.3.10)', () => {
    it('refuses a stream header in another namespace with <invalid-namespace/>', () => {
      assert.equal(condition("<stream:stream xmlns:stream='jabber:client'>"), 'invalid-namespace');
      assert.equal(condition("<stream xmlns='jabber:client'>"), 'invalid-namespace');
      assert.equal(condition('<html>'), 'invalid-namespace');
    });

    it('refuses a root element of the stream namespace other than <stream/> with <invalid-xml/> (§4.9.3.11)', () => {
      assert.equal(condition("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"), 'invalid-xml');
    });

    it('refuses a second stream header inside the stream with <unsupported-stanza-type/> (§4.9.3.24)', () => {
      const h = parse(`${HEADER}<presence/>${HEADER.slice(21)}<presence/>`);
      assert.deepEqual(h.events.map((e) => e.type), ['start', 'stanza', 'error']);
      assert.equal(h.error().condition, 'unsupported-stanza-type');
    });

    it('refuses a second XML declaration and header in the same stream with <not-well-formed/> (XML 1.0 §2.8)', () => {
      assert.equal(condition(`${HEADER}${HEADER}`), 'not-well-formed');
    });
  });

  describe('limits (RFC 6120 §4.9.3.14 policy-violation, §13.12)', () => {
    it('accepts a stream header of exactly maxHeaderBytes bytes and refuses one byte more', () => {
      const size = Buffer.byteLength(HEADER);
      assert.equal(parse(HEADER, { maxHeaderBytes: size }).errors.length, 0);
      const h = parse(HEADER, { maxHeaderBytes: size - 1 });
      assert.equal(h.error().condition, 'policy-violation');
      assert.match(h.error().text ?? '', new RegExp(`${size - 1} bytes`));
    });

    it('refuses an endless stream header as soon as maxHeaderBytes is passed', () => {
      const h = new Harness({ maxHeaderBytes: 1000 });
      h.write("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='");
      let writes = 0;
      while (h.errors.length === 0 && writes < 100) {
        h.write('x'.repeat(100));
        writes++;
      }
      assert.equal(h.error().condition, 'policy-violation');
      assert.ok(writes <= 10, `refused after ${writes} writes of 100 bytes`);
    });

    for (const [what, fill] of [['ASCII', 'a'], ['3-byte characters', '你'], ['4-byte characters', '😀']] as const) {
      it(`accepts a stanza of exactly maxStanzaBytes bytes and refuses one byte more (${what})`, () => {
        const frame = (n: number) => `<message><body>${fill.repeat(n)}</body></message>`;
        const stanza = frame(40);
        const max = Buffer.byteLength(stanza);
        for (const chunk of [1 << 20, 7, 1]) {
          const feed = (limit: number) => {
            const h = new Harness({ maxStanzaBytes: limit });
            const bytes = Buffer.from(`${HEADER}${stanza}`);
            for (let i = 0; i < bytes.length; i += chunk) h.write(bytes.subarray(i, i + chunk));
            return h;
          };
          assert.equal(feed(max).stanzas.length, 1, `limit ${max}, chunks of ${chunk}`);
          const h = feed(max - 1);
          assert.equal(h.error().condition, 'policy-violation', `limit ${max - 1}, chunks of ${chunk}`);
          assert.match(h.error().text ?? '', new RegExp(`${max - 1} bytes`));
        }
      });
    }

    it('applies the stanza limit to each stanza, not to the stream', () => {
      const stanza = `<message><body>${'x'.repeat(900)}</body></message>`;
      const h = parse(`${HEADER}${stanza.repeat(500)} `, { maxStanzaBytes: 1000 });
      assert.equal(h.errors.length, 0);
      assert.equal(h.stanzas.length, 500);
    });

    const huge = 10 * 1024 * 1024;
    const cases: [string, string, string][] = [
      ['text node', `<message><body>${'x'.repeat(huge)}</body></message>`, 'policy-violation'],
      ['attribute value', `<message id='${'x'.repeat(huge)}'/>`, 'policy-violation'],
      ['element name', `<m${'x'.repeat(huge)}/>`, 'policy-violation'],
      ['attribute name', `<message a${'x'.repeat(huge)}='1'/>`, 'policy-violation'],
      ['stray & without ;', `<message><body>a &${'x'.repeat(huge)}`, 'policy-violation'],
      ['run of whitespace between stanzas', ' '.repeat(huge), 'policy-violation'],
      ['CDATA section', `<message><body><![CDATA[${'x'.repeat(huge)}`, 'policy-violation'],
      ['end tag', `<message></message${'x'.repeat(huge)}`, 'policy-violation'],
      // refused as soon as it is recognised, long before the limit
      ['unterminated comment', `<!--${'x'.repeat(huge)}`, 'restricted-xml'],
    ];
    for (const [what, body, expected] of cases) {
      it(`refuses a 10 MiB ${what} (${expected}), without reading it all`, () => {
        const h = new Harness({ maxStanzaBytes: 65536 }).write(HEADER);
        const units = unitsFedToTokenizer(() => h.write(body));
        assert.equal(h.error().condition, expected);
        assert.ok(units <= 65536 + 2, `the tokenizer was fed ${units} code units`);
      });
    }

    it('refuses a large stanza during the chunk that passes the limit, and ignores later chunks', () => {
      const h = new Harness({ maxStanzaBytes: 100_000 }).write(`${HEADER}<message><body>`);
      const chunk = Buffer.alloc(16384, 'x');
      let erroredAt = -1;
      for (let i = 0; i < 640; i++) { // 10 MiB in all
        h.write(chunk);
        if (erroredAt < 0 && h.errors.length > 0) erroredAt = i;
      }
      // 6 chunks (98,304 bytes plus the stanza's first 15) fit; the 7th passes 100,000.
      assert.equal(erroredAt, 6);
      assert.equal(h.errors.length, 1);
    });

    it('accepts elements nested maxDepth deep below the root and refuses one level more', () => {
      const nest = (n: number) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
      assert.equal(parse(`${HEADER}${nest(16)}`, { maxDepth: 16 }).stanzas.length, 1);
      const h = parse(`${HEADER}${nest(17)}`, { maxDepth: 16 });
      assert.equal(h.error().condition, 'policy-violation');
      assert.equal(h.stanzas.length, 0);
    });

    it('refuses 10,000-deep nesting at the first element past maxDepth and ignores the rest', () => {
      // One start tag per write: the error must arrive with write number maxDepth + 1, so the parser
      // never holds more than maxDepth open elements, whatever follows.
      const h = new Harness({ maxDepth: 16 }).write(HEADER);
      let erroredAt = -1;
      for (let i = 1; i <= 10_000; i++) {
        h.write('<a>');
        if (erroredAt < 0 && h.errors.length > 0) erroredAt = i;
      }
      assert.equal(erroredAt, 17);
      assert.equal(h.error().condition, 'policy-violation');
      const once = parse(`${HEADER}${'<a>'.repeat(10_000)}`, { maxDepth: 16, maxStanzaBytes: 1 << 20 });
      assert.equal(once.error().condition, 'policy-violation');
    });
  });

  describe('errors and restarts (RFC 6120 §4.3.3, §4.9.1)', () => {
    it('reports an error once and ignores all further input', () => {
      const h = new Harness().write(`${HEADER}<a b='1' b='2'/><presence/>`).write('<presence/>').write('<!-- -->');
      assert.deepEqual(h.events.map((e) => e.type), ['start', 'error']);
    });

    it('client-facing error text carries no stack trace and is bounded', () => {
      const h = parse(`${HEADER}<message><${'y'.repeat(500)}:x/></message>`);
      const { text } = h.error();
      assert.ok(text !== undefined && text.length < 200);
      assert.doesNotMatch(text, /\bat\b.*\.(ts|js):\d+/);
    });

    it('reports a StreamError thrown by the stanza handler through onError, once (§4.9.1)', () => {
      const h = new Harness();
      h.onStanza = () => { throw new StreamError('not-authorized'); };
      h.write(`${HEADER}<message/><message/>`).write('<message/>');
      assert.deepEqual(h.events.map((e) => e.type), ['start', 'stanza', 'error']);
      assert.equal(h.error().condition, 'not-authorized');
    });

    it('turns any other handler exception into <internal-server-error/> and keeps the cause', () => {
      const h = new Harness();
      const bug = new TypeError('bug');
      h.onStanza = () => { throw bug; };
      h.write(`${HEADER}<message/>`);
      assert.equal(h.error().condition, 'internal-server-error');
      assert.equal(h.error().err.cause, bug);
    });

    it('accepts a new stream header after reset() (§4.3.3)', () => {
      const h = new Harness().write(HEADER).write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      h.parser.reset();
      h.write(HEADER).write('<presence/>');
      assert.deepEqual(h.events.map((e) => e.type), ['start', 'stanza', 'start', 'stanza']);
      assert.ok(h.stanzas[0]?.is('starttls', NS.TLS));
      assert.equal(h.errors.length, 0);
    });

    it('resets the header byte budget and depth on reset() (§4.3.3)', () => {
      const size = Buffer.byteLength(HEADER);
      const h = new Harness({ maxHeaderBytes: size }).write(HEADER).write('<a><b><c>');
      h.parser.reset();
      h.write(HEADER).write('<presence/>');
      assert.equal(h.errors.length, 0);
      assert.equal(h.stanzas.length, 1);
    });

    it('discards the rest of a chunk when reset() is called from the stanza handler (§4.3.3)', () => {
      const h = new Harness();
      h.onStanza = (el) => { if (el.is('starttls', NS.TLS)) h.parser.reset(); };
      h.write(`${HEADER}<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><message>injected</message>`);
      h.write(HEADER).write('<presence/>');
      assert.deepEqual(h.events.map((e) => e.type), ['start', 'stanza', 'start', 'stanza']);
      assert.ok(h.stanzas[1]?.is('presence', NS.CLIENT));
    });

    it('ignores input after end() (socket EOF)', () => {
      const h = new Harness().write(HEADER);
      h.parser.end();
      h.write('<presence/>');
      assert.deepEqual(h.events.map((e) => e.type), ['start']);
    });
  });
});
