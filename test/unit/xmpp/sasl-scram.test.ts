// SCRAM server mechanisms (RFC 5802, RFC 7677): the test vectors, whole exchanges with and
// without channel binding (RFC 5929, RFC 9266, XEP-0440) and the XEP-0474 downgrade-protection
// hash, driven by the test client of test/support, and which mechanisms are offered. The
// channel-binding negotiation and the errors are in sasl-scram-errors.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { SaslFailure } from '../../../src/xmpp/errors.js';
import { computeScramCredential } from '../../../src/xmpp/sasl/credentials.js';
import { createMechanism, downgradeProtectionHash, offerableMechanisms } from '../../../src/xmpp/sasl/index.js';
import {
  accounts, addJuliet, ALL_CB, client, context, END_POINT, exchange, EXPORTER, failsWith, mechanism,
} from '../../support/sasl-scram.js';
import { ScramClient } from '../../support/scram-client.js';

before(addJuliet);

describe('SCRAM test vectors', () => {
  const vectors = [
    {
      name: 'SCRAM-SHA-1', section: 'RFC 5802 §5', hash: 'sha1' as const,
      clientNonce: 'fyko+d2lbbFgONRv9qkxdawL', serverNonce: '3rfcNHYJY1ZVvWVs7j', salt: 'QSXCR+Q6sek8bf92',
      serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
      clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
      serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
    },
    {
      name: 'SCRAM-SHA-256', section: 'RFC 7677 §3', hash: 'sha256' as const,
      clientNonce: 'rOprNGfwEbeRWgbNEkqO', serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0', salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
      serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
      clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    },
  ];
  for (const v of vectors) {
    it(`server reproduces the ${v.name} exchange of ${v.section}`, async () => {
      const cred = await computeScramCredential('pencil', Buffer.from(v.salt, 'base64'), 4096, v.hash);
      const ctx = context({ secure: false, lookup: async (u) => (u === 'user' ? { sha1: cred, sha256: cred } : undefined) });
      const mech = mechanism(v.name, ctx, { randomNonce: () => v.serverNonce, downgradeProtection: false });
      const first = await mech.step(Buffer.from(`n,,n=user,r=${v.clientNonce}`));
      assert.equal(first.challenge?.toString(), v.serverFirst);
      const final = await mech.step(Buffer.from(v.clientFinal));
      assert.equal(final.success?.username, 'user');
      assert.equal(final.success?.additionalData?.toString(), v.serverFinal);
    });

    it(`test client reproduces the ${v.name} exchange of ${v.section}`, async () => {
      const c = new ScramClient({ hash: v.hash, username: 'user', password: 'pencil', nonce: v.clientNonce });
      assert.equal(c.first().toString(), `n,,n=user,r=${v.clientNonce}`);
      assert.equal((await c.final(Buffer.from(v.serverFirst))).toString(), v.clientFinal);
      c.verifyServerFinal(Buffer.from(v.serverFinal));
      assert.throws(() => c.verifyServerFinal(Buffer.from('v=AAAA')), /mismatch/);
    });
  }

  it('downgrade-protection hash matches the XEP-0474 §4 example (SHA-1 over sorted lists)', () => {
    const h = downgradeProtectionHash('sha1', ['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1'], ['tls-server-end-point', 'tls-exporter']);
    assert.equal(h, 'G6k/rBLDqgOhRRaCuuatSDFkJ08=');
  });

  it('downgrade-protection hash omits %x1F and the channel-binding part without XEP-0440 (XEP-0474 §4)', () => {
    const expected = createHash('sha256').update('SCRAM-SHA-1\x1eSCRAM-SHA-256').digest('base64');
    assert.equal(downgradeProtectionHash('sha256', ['SCRAM-SHA-256', 'SCRAM-SHA-1'], []), expected);
  });
});

describe('SCRAM exchanges', () => {
  for (const name of ['SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    it(`${name}: client and server agree on proofs and signatures (RFC 5802 §5)`, async () => {
      assert.equal(await exchange(mechanism(name), client(name)), 'juliet');
    });

    it(`${name}: the username is prepared to a localpart, escapes decoded (RFC 5802 §5.1, RFC 7622 §3.3)`, async () => {
      assert.equal(await exchange(mechanism(name), client(name, { username: 'JULIET' })), 'juliet');
      const ctx = context({ lookup: async (u) => (u === 'a,b=c' ? accounts.get('juliet') : undefined) });
      assert.equal(await exchange(mechanism(name, ctx), client(name, { username: 'a,b=c' }, ctx)), 'a,b=c');
    });

    for (const type of ALL_CB) {
      it(`${name}-PLUS with ${type}: c= must carry gs2-header + binding data (RFC 5802 §6, XEP-0440)`, async () => {
        const data = type === 'tls-exporter' ? EXPORTER : END_POINT;
        const plus = `${name}-PLUS`;
        assert.equal(await exchange(mechanism(plus), client(plus, { binding: { flag: 'p', type, data } })), 'juliet');
      });
    }

    it(`${name}-PLUS with the wrong binding data fails not-authorized (RFC 5802 §6)`, async () => {
      const plus = `${name}-PLUS`;
      const mech = mechanism(plus);
      const c = client(plus, { binding: { flag: 'p', type: 'tls-exporter', data: END_POINT } });
      const first = await mech.step(c.first());
      await assert.rejects(mech.step(await c.final(first.challenge!)), failsWith('not-authorized'));
    });

    it(`${name}: a wrong password fails not-authorized at the final step (RFC 5802 §5, RFC 6120 §6.5.10)`, async () => {
      const mech = mechanism(name);
      const c = client(name, { password: 'wrong' });
      const first = await mech.step(c.first());
      await assert.rejects(mech.step(await c.final(first.challenge!)), failsWith('not-authorized'));
    });
  }

  it('an unknown user gets a normal-looking server-first (stable fake salt) and then not-authorized (RFC 5802 §9)', async () => {
    const shape = /^r=[\x21-\x2b\x2d-\x7e]+,s=[A-Za-z0-9+/]{22}==,i=4096,h=[A-Za-z0-9+/=]+$/;
    const salts: string[] = [];
    for (const username of ['nobody', 'nobody', 'juliet', 'bad@name']) {
      const mech = mechanism('SCRAM-SHA-256');
      const c = client('SCRAM-SHA-256', { username });
      const first = await mech.step(c.first());
      const text = first.challenge!.toString();
      assert.match(text, shape);
      salts.push(/s=([^,]+)/.exec(text)![1]!);
      if (username !== 'juliet') {
        // Same condition and no text, exactly as for a wrong password.
        await assert.rejects(mech.step(await c.final(first.challenge!)), (err: unknown) =>
          failsWith('not-authorized')(err) && (err as SaslFailure).text === undefined);
      }
    }
    assert.equal(salts[0], salts[1]);
    assert.notEqual(salts[0], salts[2]);
    assert.notEqual(salts[0], salts[3]);
  });

  it('server nonces carry at least 18 random bytes and differ per exchange (RFC 5802 §5.1)', async () => {
    const nonces = await Promise.all([0, 1].map(async () => {
      const first = await mechanism('SCRAM-SHA-1').step(Buffer.from('n,,n=juliet,r=abc'));
      return /^r=abc([^,]+),/.exec(first.challenge!.toString())![1]!;
    }));
    assert.ok(Buffer.from(nonces[0]!, 'base64').length >= 18);
    assert.notEqual(nonces[0], nonces[1]);
  });

  it('an empty first message ("=", RFC 6120 §6.4.2) is malformed-request, not a missing one', async () => {
    await assert.rejects(mechanism('SCRAM-SHA-256').step(Buffer.alloc(0)), failsWith('malformed-request'));
  });

  it('no step is accepted after the exchange ended (RFC 6120 §6.4.6)', async () => {
    const mech = mechanism('SCRAM-SHA-1');
    await exchange(mech, client('SCRAM-SHA-1'));
    await assert.rejects(mech.step(Buffer.from('n,,n=juliet,r=abc')), failsWith('malformed-request'));
  });

  it('exposes the claimed prepared username after the first message, for throttling', async () => {
    const mech = mechanism('SCRAM-SHA-1');
    assert.equal(mech.username, undefined);
    await mech.step(Buffer.from('n,,n=Juliet,r=abc'));
    assert.equal(mech.username, 'juliet');
  });
});

describe('SASL mechanism selection', () => {
  it('offers SCRAM strongest first, -PLUS only with TLS and a binding, PLAIN only with TLS when allowed (RFC 6120 §6.3.3)', () => {
    assert.deepEqual(offerableMechanisms({ secure: true, allowPlain: true, channelBindings: ['tls-exporter'] }),
      ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
    assert.deepEqual(offerableMechanisms({ secure: true, allowPlain: false, channelBindings: [] }), ['SCRAM-SHA-256', 'SCRAM-SHA-1']);
    assert.deepEqual(offerableMechanisms({ secure: false, allowPlain: true, channelBindings: ['tls-exporter'] }),
      ['SCRAM-SHA-256', 'SCRAM-SHA-1']);
  });

  it('an unknown or not offered mechanism is undefined (invalid-mechanism, RFC 6120 §6.5.5)', () => {
    const ctx = context({ offeredMechanisms: ['SCRAM-SHA-1'] });
    assert.equal(createMechanism('DIGEST-MD5', ctx), undefined);
    assert.equal(createMechanism('SCRAM-SHA-256', ctx), undefined);
    assert.equal(createMechanism('scram-sha-1', ctx), undefined);
    assert.equal(createMechanism('PLAIN', ctx), undefined);
    assert.equal(createMechanism('SCRAM-SHA-1', ctx)?.name, 'SCRAM-SHA-1');
  });
});
