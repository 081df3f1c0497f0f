// The strict XML tokenizer under the stream parser (xml-tokenizer.ts): XML 1.0 and Namespaces in
// XML 1.0 details that stream-parser.test.ts does not reach, through the stream parser where the
// outcome is a stream event, and on the tokenizer itself where it is a tag's shape.
import assert from 'node:assert/strict';
import { StreamParser } from '../../../src/xmpp/stream-parser.js';
import { XMLNS_NS, type XmlTag } from '../../../src/xmpp/xml-tags.js';
import { XmlTokenizer, type XmlDecl, type XmlTokenizerOwner } from '../../../src/xmpp/xml-tokenizer.js';
import type { Element } from '../../../src/xmpp/xml.js';

const HEADER = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com'>";
const LIMITS = { maxStanzaBytes: 65536, maxDepth: 16, maxHeaderBytes: 4096 };

/** Parses `chunks` (strings, one write each); the stanzas and the error condition, if any. */
function parse(...chunks: string[]): { stanzas: Element[]; error: string | undefined; ended: boolean } {
  const out = { stanzas: [] as Element[], error: undefined as string | undefined, ended: false };
  const p = new StreamParser({
    onStreamStart: () => undefined,
    onStanza: (el) => out.stanzas.push(el),
    onStreamEnd: () => (out.ended = true),
    onError: (err) => (out.error = err.condition),
  }, LIMITS);
  for (const c of chunks) p.write(Buffer.from(c, 'utf8'));
  return out;
}

/** Every way of cutting `xml` in two, and one character at a time. */
function cuts(xml: string): string[][] {
  const out = [[xml], [...xml]];
  for (let i = 1; i < xml.length; i++) out.push([xml.slice(0, i), xml.slice(i)]);
  return out;
}

describe('XML tokenizer (XML 1.0, Namespaces in XML 1.0, RFC 6120 §11)', () => {
  describe('namespaces', () => {
    const refused: [string, string][] = [
      ['the xml prefix bound elsewhere', "<m xmlns:xml='urn:x'/>"],
      ['the XML namespace as the default', "<m xmlns='http://www.w3.org/XML/1998/namespace'/>"],
      ['the XML namespace on another prefix', "<m xmlns:x='http://www.w3.org/XML/1998/namespace'/>"],
      ['the xmlns namespace bound', "<m xmlns:x='http://www.w3.org/2000/xmlns/'/>"],
      ['the xmlns prefix declared', "<m xmlns:xmlns='http://www.w3.org/2000/xmlns/'/>"],
      ['an element with the xmlns prefix', '<xmlns:m/>'],
      ['a name with two colons', '<a:b:c/>'],
      ['a name starting with a colon', '<:a/>'],
      ['an attribute name ending with a colon', "<m x:='1'/>"],
      ['the same attribute through two prefixes', "<m xmlns:a='urn:z' xmlns:b='urn:z' a:x='1' b:x='2'/>"],
      ['the same declaration twice', "<m xmlns:a='urn:y' xmlns:a='urn:z'/>"],
    ];
    for (const [what, xml] of refused) {
      it(`refuses ${what} with <not-well-formed/>`, () => {
        assert.equal(parse(HEADER, xml).error, 'not-well-formed');
      });
    }

    it('resolves the xml prefix without a declaration, and a prefix declared on the same tag', () => {
      const { stanzas, error } = parse(HEADER, "<message xml:lang='de' p:a='1' xmlns:p='urn:p'><p:x/></message>");
      assert.equal(error, undefined);
      assert.equal(stanzas[0]!.attrs['xml:lang'], 'de');
      assert.equal(stanzas[0]!.getChild('x', 'urn:p')?.getNS(), 'urn:p');
    });

    it('lets a default namespace be undeclared with xmlns="" (the stanza keeps the declaration)', () => {
      const { stanzas } = parse(HEADER, "<message><x xmlns=''><y/></x></message>");
      assert.equal(stanzas[0]!.toString(), '<message xmlns="jabber:client"><x xmlns=""><y/></x></message>');
    });
  });

  describe('character data and attribute values', () => {
    it('normalises line ends in text (§2.11) however the input is cut', () => {
      for (const chunks of cuts(`${HEADER}<message><body>a\r\nb\rc\nd</body></message>`)) {
        assert.equal(parse(...chunks).stanzas[0]?.getChildText('body'), 'a\nb\nc\nd', JSON.stringify(chunks));
      }
    });

    it('normalises white space in attribute values, but not what character references write (§3.3.3)', () => {
      const { stanzas } = parse(HEADER, "<message id='a\tb\r\nc\nd&#9;e&#10;f&#13;g'/>");
      assert.equal(stanzas[0]!.attrs.id, 'a b c d\te\nf\rg');
    });

    it("refuses ']]>' in text even when it is cut", () => {
      for (const chunks of cuts(`${HEADER}<message><body>a]]>b</body></message>`)) {
        assert.equal(parse(...chunks).error, 'not-well-formed', JSON.stringify(chunks));
      }
    });

    it('decodes references cut anywhere, CDATA cut anywhere, and keeps ]] that does not end CDATA', () => {
      for (const chunks of cuts(`${HEADER}<message><body>&#x1F600;&amp;&#65;<![CDATA[<]]]]>]</body></message>`)) {
        assert.equal(parse(...chunks).stanzas[0]?.getChildText('body'), '😀&A<]]]', JSON.stringify(chunks));
      }
    });

    it('takes character references to white space between stanzas as white space, and none before the header', () => {
      const between = parse(HEADER, '&#10;<presence/>&#32;\n&#x9;');
      assert.deepEqual([between.error, between.stanzas.length], [undefined, 1]);
      assert.equal(parse('&#10;', HEADER).error, 'not-well-formed');
      assert.equal(parse(HEADER, '&#65;').error, 'not-well-formed');
    });
  });

  describe('declaration and misc', () => {
    it('reads the XML declaration with encoding and standalone, after a byte order mark too', () => {
      assert.equal(parse(`\uFEFF<?xml version="1.0" encoding='UTF-8' standalone='yes' ?>${HEADER}<presence/>`).stanzas.length, 1);
    });

    it('refuses a malformed XML declaration with <not-well-formed/>', () => {
      for (const decl of ["<?xml version='2.0'?>", "<?xml encoding='UTF-8' version='1.0'?>", "<?xml version='1.0' standalone='maybe'?>", '<?xml?>']) {
        assert.equal(parse(decl + HEADER).error, 'not-well-formed', decl);
      }
    });

    it('refuses a processing instruction as restricted XML, and a reserved target as not well-formed', () => {
      assert.equal(parse(HEADER, "<?xml-stylesheet href='x'?>").error, 'restricted-xml');
      assert.equal(parse(HEADER, "<?XML version='1.0'?>").error, 'not-well-formed');
    });

    it('refuses a comment as soon as it opens, before it ends', () => {
      assert.equal(parse(HEADER, '<!-').error, undefined);
      assert.equal(parse(HEADER, '<!-', '-').error, 'restricted-xml');
    });
  });

  describe('tags', () => {
    class Recorder implements XmlTokenizerOwner {
      readonly tags: XmlTag[] = [];
      saxError(_p: unknown, err: Error): void {
        throw err;
      }
      saxRestricted(_p: unknown, what: string): void {
        throw new Error(what);
      }
      saxXmlDecl(_p: unknown, _decl: XmlDecl): void {}
      saxOpenTagStart(): void {}
      saxOpenTag(_p: unknown, tag: XmlTag): void {
        this.tags.push(tag);
      }
      saxCloseTag(): void {}
      saxText(): void {}
    }

    it("keeps an attribute named '__proto__' as an attribute of the stanza, not as its record's prototype", () => {
      const r = new Recorder();
      new XmlTokenizer(r).write("<m __proto__='x' a='b'/>");
      assert.deepEqual(r.tags[0]!.attributes.map((a) => [a.name, a.value]), [['__proto__', 'x'], ['a', 'b']]);
      const { attrs } = parse(HEADER, "<message __proto__='x' to='a@b'/>").stanzas[0]!;
      assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
      assert.deepEqual(Object.keys(attrs), ['xmlns', '__proto__', 'to']);
      assert.equal(Object.getOwnPropertyDescriptor(attrs, '__proto__')?.value, 'x');
    });

    it('gives names, prefixes, namespaces and own declarations of a tag', () => {
      const r = new Recorder();
      new XmlTokenizer(r).write("<s:a xmlns:s='urn:s' xmlns='urn:d' s:k='1' k='2'><b/></s:a>");
      const [a, b] = r.tags;
      assert.deepEqual([a!.prefix, a!.local, a!.uri, { ...a!.ns }], ['s', 'a', 'urn:s', { s: 'urn:s', '': 'urn:d' }]);
      assert.deepEqual(a!.attributes.map((x) => [x.name, x.uri]), [['xmlns:s', XMLNS_NS], ['xmlns', XMLNS_NS], ['s:k', 'urn:s'], ['k', '']]);
      assert.deepEqual([b!.uri, { ...b!.ns }, b!.selfClosing], ['urn:d', {}, true]);
    });
  });

  describe('stop()', () => {
    /** Events as strings; the tokenizer is stopped from within the event named `stopOn`. */
    function events(stopOn: string, ...chunks: string[]): string[] {
      const seen: string[] = [];
      const t: XmlTokenizer = new XmlTokenizer({
        saxError: (_p, err) => { throw err; },
        saxRestricted: (_p, what) => { throw new Error(what); },
        saxXmlDecl: () => undefined,
        saxOpenTagStart: () => undefined,
        saxOpenTag: (_p, tag) => note(`<${tag.name}>`),
        saxCloseTag: () => note('</>'),
        saxText: (_p, text) => note(text),
      });
      const note = (e: string): void => {
        seen.push(e);
        if (e === stopOn) t.stop();
      };
      for (const c of chunks) t.write(c);
      return seen;
    }

    it('reports nothing after it, in the rest of the write or in later ones', () => {
      assert.deepEqual(events('</>', '<r><a>x</a><b/>y', '<c/></r>'), ['<r>', '<a>', 'x', '</>']);
      assert.deepEqual(events('x', '<r><a>x</a>', '<b/></r>'), ['<r>', '<a>', 'x']);
    });

    it('from the start of an empty-element tag, leaves out its end as well', () => {
      assert.deepEqual(events('<b>', '<r><b/><c/></r>'), ['<r>', '<b>']);
    });
  });
});
