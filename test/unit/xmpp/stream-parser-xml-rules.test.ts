// Tests for the streaming XML parser's XML rules (RFC 6120 §11): restricted XML (§11.1), with no
// DTD, comments or processing instructions; well-formedness and namespace prefixes (§11.3,
// §4.9.3.2, §4.9.3.13); and the stream root (§4.8.1, §4.9.3.10).
import assert from 'node:assert/strict';
import { condition, HEADER, parse } from '../../support/stream-parser-harness.js';

describe('StreamParser', () => {
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
});
