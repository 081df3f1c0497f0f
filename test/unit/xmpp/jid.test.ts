// Tests for JID parsing and preparation: RFC 7622 (XMPP address format), with the PRECIS profiles
// of RFC 8265 (UsernameCaseMapped for localparts, OpaqueString for resourceparts).
import assert from 'node:assert/strict';
import { Jid, JidError, prepDomain, prepLocal, prepResource } from '../../../src/xmpp/jid.js';

function parts(input: string): [string, string, string] {
  const j = Jid.parse(input);
  return [j.local, j.domain, j.resource];
}

function rejects(input: string, message?: RegExp): void {
  assert.throws(() => Jid.parse(input), (err: unknown) => {
    assert.ok(err instanceof JidError, `${input}: ${String(err)}`);
    if (message) assert.match(err.message, message);
    return true;
  }, `expected ${JSON.stringify(input)} to be refused`);
}

describe('Jid', () => {
  describe('parsing (RFC 7622 §3.1)', () => {
    it('parses the four forms: domain, domain/resource, local@domain, local@domain/resource', () => {
      assert.deepEqual(parts('example.com'), ['', 'example.com', '']);
      assert.deepEqual(parts('example.com/resource'), ['', 'example.com', 'resource']);
      assert.deepEqual(parts('juliet@example.com'), ['juliet', 'example.com', '']);
      assert.deepEqual(parts('juliet@example.com/balcony'), ['juliet', 'example.com', 'balcony']);
    });

    it('splits the resource at the first "/" before looking for "@", so the resource may contain both', () => {
      assert.deepEqual(parts('juliet@example.com/foo/bar@baz'), ['juliet', 'example.com', 'foo/bar@baz']);
      assert.deepEqual(parts('example.com/@x'), ['', 'example.com', '@x']);
    });

    it('splits the localpart at the first "@", so a second "@" lands in the domainpart and is refused', () => {
      rejects('a@b@example.com');
    });

    it('builds bare and full forms', () => {
      const j = Jid.parse('juliet@example.com/balcony');
      assert.equal(j.bare, 'juliet@example.com');
      assert.equal(j.full, 'juliet@example.com/balcony');
      assert.equal(j.toString(), j.full);
      assert.equal(Jid.parse('example.com').bare, 'example.com');
      assert.equal(Jid.parse('example.com/r').full, 'example.com/r');
    });

    it('refuses an empty localpart, domainpart or resourcepart (§3.1, §3.2, §3.3, §3.4)', () => {
      rejects('@example.com', /empty localpart/);
      rejects('juliet@', /empty domainpart/);
      rejects('juliet@example.com/', /empty resourcepart/);
      rejects('/resource', /empty domainpart/);
      rejects('', /empty domainpart/);
      rejects('.', /empty domainpart/);
    });
  });

  describe('localpart (RFC 7622 §3.3, PRECIS UsernameCaseMapped, RFC 8265 §3.3)', () => {
    it('maps the localpart to lower case', () => {
      assert.equal(Jid.parse('JuLiEt@example.com').local, 'juliet');
      assert.equal(prepLocal('ΡΩΜΕΟ'), 'ρωμεο');
    });

    it('maps full-width characters to their ASCII equivalents (width mapping)', () => {
      assert.equal(prepLocal('ＪＵＬＩＥＴ'), 'juliet');
    });

    it('normalises to NFC, so composed and decomposed forms are the same localpart', () => {
      assert.equal(prepLocal('e\u0301lise'), '\u00e9lise');
      assert.ok(Jid.parse('e\u0301lise@example.com').equals(Jid.parse('\u00e9lise@example.com')));
    });

    it('accepts letters and digits of any script', () => {
      assert.equal(prepLocal('ромео'), 'ромео');
      assert.equal(prepLocal('山田'), '山田');
      assert.equal(prepLocal('user.name-1_2+tag'), 'user.name-1_2+tag');
    });

    for (const ch of ['"', '&', "'", '/', ':', '<', '>', '@']) {
      it(`refuses the forbidden localpart character ${ch} (§3.3.1)`, () => {
        assert.throws(() => prepLocal(`a${ch}b`), JidError);
      });
    }

    it('refuses compatibility characters instead of mapping them, and invisible ones (RFC 8264 §9.13, §9.17)', () => {
      for (const local of ['\ufb01sh', 'x\u00b2', 'a\u200bb', 'a\ufe0fb', 'a\u00adb', 'a\u1113b']) {
        assert.throws(() => prepLocal(local), /disallowed/, JSON.stringify(local));
      }
      assert.equal(prepLocal('\uff21\uff42\uff43'), 'abc', 'width mapping still applies');
    });

    it('refuses a forbidden character that only appears after width mapping (full-width "＠")', () => {
      assert.throws(() => prepLocal('a＠b'), /forbidden/);
    });

    it('refuses spaces, symbols and control characters (PRECIS IdentifierClass)', () => {
      rejects('juliet capulet@example.com', /disallowed/);
      rejects('a\u00a0b@example.com');
      rejects('a\u0007b@example.com', /disallowed/);
      rejects('love\u2665@example.com', /disallowed/);
    });

    it('accepts a localpart of 1023 bytes and refuses 1024 (§3.3)', () => {
      assert.equal(prepLocal('a'.repeat(1023)).length, 1023);
      assert.throws(() => prepLocal('a'.repeat(1024)), /longer than 1023 bytes/);
      assert.equal(Buffer.byteLength(prepLocal('é'.repeat(511))), 1022);
      assert.throws(() => prepLocal('é'.repeat(512)), /longer than 1023 bytes/);
    });
  });

  describe('domainpart (RFC 7622 §3.2)', () => {
    it('maps the domainpart to lower case', () => {
      assert.equal(Jid.parse('juliet@EXAMPLE.Com').domain, 'example.com');
    });

    it('removes one trailing dot before any other step', () => {
      assert.equal(Jid.parse('juliet@example.com.').domain, 'example.com');
      assert.ok(Jid.parse('juliet@example.com./r').equals(Jid.parse('juliet@example.com/r')));
      rejects('juliet@example.com..');
    });

    it('keeps internationalised domain names as U-labels and maps A-labels to them (§3.2.1)', () => {
      assert.equal(Jid.parse('juliet@Bücher.example').domain, 'bücher.example');
      assert.equal(Jid.parse('juliet@xn--bcher-kva.example').domain, 'bücher.example');
      assert.equal(Jid.parse('juliet@XN--BCHER-KVA.example').domain, 'bücher.example');
      assert.equal(prepDomain('ｅｘａｍｐｌｅ.com'), 'example.com');
      assert.equal(prepDomain('例え.テスト'), '例え.テスト');
    });

    it('accepts IPv4 addresses in dotted-quad form', () => {
      assert.equal(Jid.parse('juliet@192.0.2.1/r').domain, '192.0.2.1');
    });

    it('refuses host names that a WHATWG URL parser would turn into IPv4 addresses', () => {
      rejects('juliet@127.1');
      rejects('juliet@0x7f.1');
      rejects('juliet@2130706433');
      rejects('juliet@1.2.3');
    });

    it('accepts IPv6 literals in brackets and lower-cases them', () => {
      assert.equal(Jid.parse('juliet@[2001:DB8::1]/r').domain, '[2001:db8::1]');
      assert.equal(prepDomain('[::1]'), '[::1]');
    });

    it('refuses malformed IP literals: bare IPv6, IPv4 in brackets, zone identifiers', () => {
      assert.throws(() => prepDomain('2001:db8::1'), JidError);
      assert.throws(() => prepDomain('[192.0.2.1]'), /IPv6/);
      assert.throws(() => prepDomain('[fe80::1%eth0]'), /IPv6/);
      assert.throws(() => prepDomain('[nonsense]'), /IPv6/);
    });

    it('refuses labels that are not host name labels', () => {
      for (const bad of ['-a.example', 'a-.example', 'a..example', 'exa mple.com', 'a!b.example', `${'a'.repeat(64)}.example`]) {
        assert.throws(() => prepDomain(bad), JidError, bad);
      }
      assert.equal(prepDomain(`${'a'.repeat(63)}.example`), `${'a'.repeat(63)}.example`);
    });

    it('refuses over-long domainparts (1023 bytes, §3.2; 253 octets of DNS name)', () => {
      const label = 'a'.repeat(63);
      const ok = [label, label, label, 'a'.repeat(61)].join('.'); // 253 octets
      assert.equal(prepDomain(ok), ok);
      assert.throws(() => prepDomain(`${ok}a`), JidError);
      assert.throws(() => prepDomain('a'.repeat(1024)), /longer than 1023 bytes/);
    });
  });

  describe('resourcepart (RFC 7622 §3.4, PRECIS OpaqueString, RFC 8265 §4.2)', () => {
    it('preserves case', () => {
      assert.equal(Jid.parse('juliet@example.com/Balcony').resource, 'Balcony');
      assert.ok(!Jid.parse('juliet@example.com/Balcony').equals(Jid.parse('juliet@example.com/balcony')));
    });

    it('maps non-ASCII spaces to U+0020 and keeps spaces', () => {
      assert.equal(prepResource('a\u00a0b\u2003c d'), 'a b c d');
    });

    it('normalises to NFC', () => {
      assert.equal(prepResource('caf\u0065\u0301'), 'caf\u00e9');
    });

    it('accepts symbols and any script', () => {
      assert.equal(prepResource('♥ Balcony 山田 @/:'), '♥ Balcony 山田 @/:');
    });

    it('refuses invisible characters: zero widths, bidi controls, variation selectors, old Hangul jamo (RFC 8264 §9.10, §9.13)', () => {
      for (const resource of ['pho\u200bne', 'phone\ufeff', 'a\u202eb', 'a\u2066b', 'a\ufe0f', 'a\u1113b']) {
        assert.throws(() => prepResource(resource), /invisible or disallowed/, JSON.stringify(resource));
      }
      assert.equal(prepResource('\u{1F4F1} phone'), '\u{1F4F1} phone', 'a symbol outside the BMP is fine');
    });

    it('refuses control and unassigned characters', () => {
      assert.throws(() => prepResource('a\u0000'), JidError);
      assert.throws(() => prepResource('a\u0007b'), JidError);
      assert.throws(() => prepResource('a\u{E0080}'), JidError);
      rejects('juliet@example.com/a\nb');
    });

    it('accepts a resourcepart of 1023 bytes and refuses 1024 (§3.4)', () => {
      assert.equal(Jid.parse(`juliet@example.com/${'r'.repeat(1023)}`).resource.length, 1023);
      rejects(`juliet@example.com/${'r'.repeat(1024)}`, /longer than 1023 bytes/);
      rejects(`juliet@example.com/${'😀'.repeat(256)}`, /longer than 1023 bytes/);
    });
  });

  describe('helpers', () => {
    it('of() prepares each part like parse()', () => {
      assert.equal(Jid.of('Juliet', 'EXAMPLE.com.', 'Balcony').full, 'juliet@example.com/Balcony');
      assert.equal(Jid.of(undefined, 'example.com').full, 'example.com');
      assert.throws(() => Jid.of('', 'example.com'), /empty localpart/);
    });

    it('toBare() drops the resource and isBare tells which form a JID has', () => {
      const full = Jid.parse('juliet@example.com/balcony');
      assert.equal(full.isBare, false);
      assert.equal(full.toBare().full, 'juliet@example.com');
      assert.equal(full.toBare().isBare, true);
      const bare = Jid.parse('juliet@example.com');
      assert.equal(bare.toBare(), bare);
    });

    it('withResource() prepares the new resource', () => {
      assert.equal(Jid.parse('juliet@example.com').withResource('a\u00a0b').full, 'juliet@example.com/a b');
      assert.throws(() => Jid.parse('juliet@example.com').withResource(''), JidError);
    });

    it('equals() compares prepared forms', () => {
      assert.ok(Jid.parse('JULIET@Example.com./r').equals(Jid.parse('juliet@example.com/r')));
      assert.ok(!Jid.parse('juliet@example.com').equals(undefined));
    });

    it('tryParse() returns undefined instead of throwing', () => {
      assert.equal(Jid.tryParse(undefined), undefined);
      assert.equal(Jid.tryParse('@example.com'), undefined);
      assert.equal(Jid.tryParse('juliet@example.com')?.bare, 'juliet@example.com');
    });
  });
});
