// SCRAM server mechanisms (RFC 5802, RFC 7677): the channel-binding negotiation of the gs2
// header (RFC 5802 §6, XEP-0440) and the failures of each step, with their SASL conditions
// (RFC 6120 §6.5), including the XEP-0474 downgrade-protection check on the client side.
import assert from 'node:assert/strict';
import type { SaslCondition } from '../../../src/xmpp/errors.js';
import { downgradeProtectionHash } from '../../../src/xmpp/sasl/index.js';
import { addJuliet, client, context, END_POINT, exchange, EXPORTER, failsWith, mechanism } from '../../support/sasl-scram.js';

before(addJuliet);

describe('SCRAM channel-binding negotiation', () => {
  it('"y" on a non-PLUS mechanism when -PLUS was offered is a downgrade and fails (RFC 5802 §6)', async () => {
    const mech = mechanism('SCRAM-SHA-256');
    await assert.rejects(mech.step(client('SCRAM-SHA-256', { binding: { flag: 'y' } }).first()), failsWith('not-authorized'));
  });

  it('"y" is fine when no -PLUS mechanism was offered (RFC 5802 §6)', async () => {
    const ctx = context({ offeredChannelBindings: [], channelBinding: {} });
    assert.ok(!ctx.offeredMechanisms.some((m) => m.endsWith('-PLUS')));
    assert.equal(await exchange(mechanism('SCRAM-SHA-256', ctx), client('SCRAM-SHA-256', { binding: { flag: 'y' } }, ctx)), 'juliet');
  });

  it('"n" is fine even when -PLUS was offered (RFC 5802 §6)', async () => {
    assert.equal(await exchange(mechanism('SCRAM-SHA-1'), client('SCRAM-SHA-1', { binding: { flag: 'n' } })), 'juliet');
  });

  it('"p=" on a non-PLUS mechanism fails malformed-request (RFC 5802 §6)', async () => {
    const c = client('SCRAM-SHA-256', { binding: { flag: 'p', type: 'tls-exporter', data: EXPORTER } });
    await assert.rejects(mechanism('SCRAM-SHA-256').step(c.first()), failsWith('malformed-request'));
  });

  it('a -PLUS mechanism without "p=" fails malformed-request (RFC 5802 §6)', async () => {
    await assert.rejects(mechanism('SCRAM-SHA-256-PLUS').step(client('SCRAM-SHA-256-PLUS').first()), failsWith('malformed-request'));
  });

  it('a binding type this connection lacks fails malformed-request (RFC 5802 §6, XEP-0440)', async () => {
    const ctx = context({ channelBinding: { 'tls-server-end-point': () => END_POINT }, offeredChannelBindings: ['tls-server-end-point'] });
    for (const type of ['tls-exporter', 'tls-unique']) {
      const c = client('SCRAM-SHA-1-PLUS', { binding: { flag: 'p', type, data: EXPORTER } }, ctx);
      await assert.rejects(mechanism('SCRAM-SHA-1-PLUS', ctx).step(c.first()), failsWith('malformed-request'));
    }
  });

  it('-PLUS on a stream without TLS fails encryption-required (RFC 6120 §6.5.4)', async () => {
    const mech = mechanism('SCRAM-SHA-256-PLUS', context({ secure: false }));
    const c = client('SCRAM-SHA-256-PLUS', { binding: { flag: 'p', type: 'tls-exporter', data: EXPORTER } });
    await assert.rejects(mech.step(c.first()), failsWith('encryption-required'));
  });
});

describe('SCRAM errors', () => {
  it('a changed nonce in the client-final-message fails malformed-request (RFC 5802 §5.1)', async () => {
    const mech = mechanism('SCRAM-SHA-1');
    const c = client('SCRAM-SHA-1');
    const first = await mech.step(c.first());
    const final = (await c.final(first.challenge!)).toString().replace(/,r=([^,]+)/, ',r=$1x');
    await assert.rejects(mech.step(Buffer.from(final)), failsWith('malformed-request'));
  });

  it('an authzid other than the account bare JID fails invalid-authzid (RFC 6120 §6.3.8, §6.5.6)', async () => {
    await assert.rejects(mechanism('SCRAM-SHA-1').step(client('SCRAM-SHA-1', { authzid: 'romeo@example.org' }).first()),
      failsWith('invalid-authzid'));
  });

  it('the account bare JID is accepted as authzid (RFC 6120 §6.3.8)', async () => {
    assert.equal(await exchange(mechanism('SCRAM-SHA-1'), client('SCRAM-SHA-1', { authzid: 'juliet@example.org' })), 'juliet');
  });

  it('XEP-0474: the client accepts the h attribute for the offer it saw and detects a tampered offer (XEP-0474 §4)', async () => {
    const ctx = context();
    const honest = client('SCRAM-SHA-256', { expectOffer: { mechanisms: ctx.offeredMechanisms, channelBindings: ctx.offeredChannelBindings } });
    assert.equal(await exchange(mechanism('SCRAM-SHA-256', ctx), honest), 'juliet', 'the offer the client saw passes');
    const tampered = client('SCRAM-SHA-256', {
      expectOffer: { mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-1'], channelBindings: ctx.offeredChannelBindings },
    });
    const first = await mechanism('SCRAM-SHA-256', ctx).step(tampered.first());
    await assert.rejects(tampered.final(first.challenge!), /downgrade-protection hash mismatch/);
    const strippedCb = client('SCRAM-SHA-1', { expectOffer: { mechanisms: ctx.offeredMechanisms, channelBindings: ['tls-server-end-point'] } });
    const first2 = await mechanism('SCRAM-SHA-1', ctx).step(strippedCb.first());
    await assert.rejects(strippedCb.final(first2.challenge!), /downgrade-protection hash mismatch/);
  });

  it('XEP-0474: the h attribute uses the hash of the mechanism in use (XEP-0474 §4)', async () => {
    const ctx = context();
    for (const [name, hash] of [['SCRAM-SHA-1', 'sha1'], ['SCRAM-SHA-256', 'sha256']] as const) {
      const first = await mechanism(name, ctx).step(Buffer.from('n,,n=juliet,r=abc'));
      const h = /,h=([^,]+)$/.exec(first.challenge!.toString())![1];
      assert.equal(h, downgradeProtectionHash(hash, ctx.offeredMechanisms, ctx.offeredChannelBindings));
    }
  });

  const badFirst: Array<[string, string | Buffer, SaslCondition]> = [
    ['garbage', 'hello', 'malformed-request'],
    ['an unknown gs2 flag', 'x,,n=juliet,r=abc', 'malformed-request'],
    ['an empty authzid', 'n,a=,n=juliet,r=abc', 'malformed-request'],
    ['a missing nonce', 'n,,n=juliet', 'malformed-request'],
    ['a space in the nonce', 'n,,n=juliet,r=a b', 'malformed-request'],
    ['a mandatory extension m= (RFC 5802 §5.1)', 'n,,m=ext,n=juliet,r=abc', 'malformed-request'],
    ['a bad "=" escape in the username (RFC 5802 §5.1)', 'n,,n=ju=41,r=abc', 'malformed-request'],
    ['invalid UTF-8 (RFC 6120 §6.5.2)', Buffer.from([0x6e, 0x2c, 0x2c, 0x6e, 0x3d, 0xff, 0x2c, 0x72, 0x3d, 0x61]), 'incorrect-encoding'],
  ];
  for (const [what, message, condition] of badFirst) {
    it(`a client-first-message with ${what} fails ${condition}`, async () => {
      await assert.rejects(mechanism('SCRAM-SHA-1').step(Buffer.from(message)), failsWith(condition));
    });
  }

  const badFinal: Array<[string, (final: string) => string, SaslCondition]> = [
    ['no proof', (f) => f.replace(/,p=.*$/, ''), 'malformed-request'],
    ['a proof that is not base64', (f) => f.replace(/,p=.*$/, ',p=!!!!'), 'malformed-request'],
    ['a proof of the wrong length', (f) => f.replace(/,p=.*$/, ',p=AAAA'), 'malformed-request'],
    ['a flipped proof bit', (f) => f.replace(/,p=(.)/, (_m, ch: string) => `,p=${ch === 'A' ? 'B' : 'A'}`), 'not-authorized'],
    ['a c= that does not repeat the gs2 header (RFC 5802 §7)', (f) => f.replace(/^c=[^,]*/, 'c=eSws'), 'not-authorized'],
  ];
  for (const [what, mangle, condition] of badFinal) {
    it(`a client-final-message with ${what} fails ${condition}`, async () => {
      const mech = mechanism('SCRAM-SHA-1');
      const c = client('SCRAM-SHA-1');
      const first = await mech.step(c.first());
      const final = mangle((await c.final(first.challenge!)).toString());
      await assert.rejects(mech.step(Buffer.from(final)), failsWith(condition));
    });
  }

  it('a storage error during lookup fails temporary-auth-failure (RFC 6120 §6.5.11)', async () => {
    const ctx = context({ lookup: async () => { throw new Error('db down'); } });
    await assert.rejects(mechanism('SCRAM-SHA-1', ctx).step(Buffer.from('n,,n=juliet,r=abc')), failsWith('temporary-auth-failure'));
  });
});
