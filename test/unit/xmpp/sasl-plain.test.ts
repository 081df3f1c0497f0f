// PLAIN (RFC 4616) over TLS only (RFC 6120 §6.5.4), checked against stored SCRAM-SHA-256 keys.
import assert from 'node:assert/strict';
import type { Credentials } from '../../../src/storage/types.js';
import { SaslFailure, type SaslCondition } from '../../../src/xmpp/errors.js';
import { deriveCredentials } from '../../../src/xmpp/sasl/credentials.js';
import { createMechanism, offerableMechanisms, type SaslContext, type SaslMechanism } from '../../../src/xmpp/sasl/index.js';

let accounts: Map<string, Credentials>;

before(async () => {
  accounts = new Map([
    ['juliet', await deriveCredentials('r0m30', 4096)],
    ['ix', await deriveCredentials('I\u00ADX', 4096)],
  ]);
});

function context(over: Partial<SaslContext> = {}): SaslContext {
  const secure = over.secure ?? true;
  return {
    secure,
    channelBinding: {},
    offeredMechanisms: offerableMechanisms({ secure, allowPlain: true, channelBindings: [] }),
    offeredChannelBindings: [],
    lookup: async (username) => accounts.get(username),
    domain: 'example.org',
    fakeSaltSecret: Buffer.from('fake salt secret'),
    ...over,
  };
}

function plain(ctx: SaslContext = context()): SaslMechanism {
  const mech = createMechanism('PLAIN', ctx, { fakeIterations: 4096 });
  assert.ok(mech);
  return mech;
}

function msg(authzid: string, authcid: string, password: string): Buffer {
  return Buffer.from(`${authzid}\0${authcid}\0${password}`, 'utf8');
}

function failsWith(condition: SaslCondition) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SaslFailure, `expected a SaslFailure, got ${String(err)}`);
    assert.equal(err.condition, condition);
    return true;
  };
}

describe('SASL PLAIN', () => {
  it('accepts the right password and returns the prepared localpart (RFC 4616 §2)', async () => {
    assert.deepEqual(await plain().step(msg('', 'juliet', 'r0m30')), { success: { username: 'juliet' } });
    assert.equal((await plain().step(msg('', 'Juliet', 'r0m30'))).success?.username, 'juliet');
  });

  it('a wrong password fails not-authorized (RFC 6120 §6.5.10)', async () => {
    await assert.rejects(plain().step(msg('', 'juliet', 'r0m31')), failsWith('not-authorized'));
  });

  it('an unknown or unpreparable user fails not-authorized like a wrong password (RFC 6120 §6.5.10)', async () => {
    for (const user of ['nobody', 'bad@name']) {
      await assert.rejects(plain().step(msg('', user, 'r0m30')), (err: unknown) =>
        failsWith('not-authorized')(err) && (err as SaslFailure).text === undefined);
    }
  });

  it('on a stream without TLS it fails encryption-required, even if asked for unoffered (RFC 6120 §6.5.4)', async () => {
    const ctx = context({ secure: false });
    assert.ok(!ctx.offeredMechanisms.includes('PLAIN'));
    await assert.rejects(plain(ctx).step(msg('', 'juliet', 'r0m30')), failsWith('encryption-required'));
  });

  it('is not available on a TLS stream that did not offer it (RFC 6120 §6.5.5)', () => {
    assert.equal(createMechanism('PLAIN', context({ offeredMechanisms: ['SCRAM-SHA-1'] })), undefined);
  });

  it('accepts the account bare JID as authzid and refuses any other (RFC 4616 §2, RFC 6120 §6.5.6)', async () => {
    assert.equal((await plain().step(msg('juliet@example.org', 'juliet', 'r0m30'))).success?.username, 'juliet');
    await assert.rejects(plain().step(msg('romeo@example.org', 'juliet', 'r0m30')), failsWith('invalid-authzid'));
  });

  it('SASLprep makes "IX" match a password set as "I\\u00ADX" (RFC 4013 §3)', async () => {
    assert.equal((await plain().step(msg('', 'ix', 'IX'))).success?.username, 'ix');
    assert.equal((await plain().step(msg('', 'ix', '\u2168'))).success?.username, 'ix');
  });

  it('a password SASLprep prohibits fails incorrect-encoding (RFC 4013 §2.3)', async () => {
    await assert.rejects(plain().step(msg('', 'juliet', 'r0m\u000730')), failsWith('incorrect-encoding'));
  });

  it('invalid UTF-8 fails incorrect-encoding (RFC 6120 §6.5.2)', async () => {
    await assert.rejects(plain().step(Buffer.from([0, 0x6a, 0, 0xff])), failsWith('incorrect-encoding'));
  });

  it('a message without two NULs or with an empty authcid or password fails malformed-request (RFC 4616 §2)', async () => {
    for (const bad of [Buffer.from('juliet r0m30'), msg('', '', 'r0m30'), msg('', 'juliet', ''), Buffer.from('\0a\0b\0c')]) {
      await assert.rejects(plain().step(bad), failsWith('malformed-request'));
    }
  });

  it('an empty first message ("=", RFC 6120 §6.4.2) is malformed-request, not a missing one', async () => {
    await assert.rejects(plain().step(Buffer.alloc(0)), failsWith('malformed-request'));
  });

  it('a storage error fails temporary-auth-failure (RFC 6120 §6.5.11)', async () => {
    const ctx = context({ lookup: async () => { throw new Error('db down'); } });
    await assert.rejects(plain(ctx).step(msg('', 'juliet', 'r0m30')), failsWith('temporary-auth-failure'));
  });
});
