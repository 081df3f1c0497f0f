// Tests for the streaming XML parser's limits, which keep a peer from exhausting memory
// (RFC 6120 §4.9.3.14, §13.12), and its errors and restarts (§4.3.3, §4.9.1).
import assert from 'node:assert/strict';
import { StreamError } from '../../../src/xmpp/errors.js';
import { NS } from '../../../src/xmpp/ns.js';
import { Harness, HEADER, parse, unitsFedToTokenizer } from '../../support/stream-parser-harness.js';

describe('StreamParser', () => {
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
