// SCRAM credential derivation (RFC 5802 §3, RFC 7677), SASLprep of passwords (RFC 4013) and the
// identity helpers shared by the SASL mechanisms.
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import {
  authzidAllowed, computeScramCredential, decodeUtf8, deriveCredentials, fakeCredential, prepareUsername, saslPrep,
  verifyPlainPassword,
} from '../../../src/xmpp/sasl/credentials.js';
import saslprep from '@mongodb-js/saslprep';
import { SaslFailure } from '../../../src/xmpp/errors.js';

describe('SASL credentials', () => {
  it('derives SHA-1 and SHA-256 keys with separate random 16-byte salts (RFC 5802 §3, RFC 7677 §3)', async () => {
    const a = await deriveCredentials('pencil', 4096);
    const b = await deriveCredentials('pencil', 4096);
    assert.equal(a.sha1.salt.length, 16);
    assert.equal(a.sha256.salt.length, 16);
    assert.notDeepEqual(a.sha1.salt, a.sha256.salt);
    assert.notDeepEqual(a.sha256.salt, b.sha256.salt);
    assert.equal(a.sha1.iterations, 4096);
    assert.equal(a.sha1.storedKey.length, 20);
    assert.equal(a.sha1.serverKey.length, 20);
    assert.equal(a.sha256.storedKey.length, 32);
    assert.equal(a.sha256.serverKey.length, 32);
  });

  it('computes StoredKey = H(HMAC(Hi(password, salt, i), "Client Key")) and ServerKey per RFC 5802 §3', async () => {
    const salt = Buffer.from('QSXCR+Q6sek8bf92', 'base64');
    const cred = await computeScramCredential('pencil', salt, 4096, 'sha1');
    const salted = pbkdf2Sync('pencil', salt, 4096, 20, 'sha1');
    const clientKey = createHmac('sha1', salted).update('Client Key').digest();
    assert.deepEqual(cred.storedKey, createHash('sha1').update(clientKey).digest());
    assert.deepEqual(cred.serverKey, createHmac('sha1', salted).update('Server Key').digest());
  });

  it('refuses iteration counts below 4096 (RFC 7677 §4)', async () => {
    await assert.rejects(deriveCredentials('pencil', 1000), /iteration/);
  });

  it('refuses passwords with SASLprep-prohibited output, without echoing them (RFC 4013 §2.3)', async () => {
    await assert.rejects(deriveCredentials('bad\u0007bell', 4096), (err: Error) => {
      assert.match(err.message, /SASLprep/);
      assert.doesNotMatch(err.message, /bell/);
      return true;
    });
    await assert.rejects(deriveCredentials('\u0221', 4096), /SASLprep/); // unassigned: stored-string rules
    await assert.rejects(deriveCredentials('\u00AD', 4096), /SASLprep/); // empty after mapping
  });

  it('verifies a PLAIN password against the stored key for either hash (RFC 4616 §2 with RFC 5802 keys)', async () => {
    const cred = await deriveCredentials('pencil', 4096);
    assert.equal(await verifyPlainPassword('pencil', cred.sha256, 'sha256'), true);
    assert.equal(await verifyPlainPassword('pencil', cred.sha1, 'sha1'), true);
    assert.equal(await verifyPlainPassword('pencil ', cred.sha256, 'sha256'), false);
    assert.equal(await verifyPlainPassword('Pencil', cred.sha256, 'sha256'), false);
    assert.equal(await verifyPlainPassword('a\u0007', cred.sha256, 'sha256'), false);
  });

  it('SASLprep maps soft hyphen to nothing and U+2168 to "IX", so "I\\u00ADX" equals "IX" (RFC 4013 §3)', async () => {
    const cred = await deriveCredentials('I\u00ADX', 4096);
    assert.equal(await verifyPlainPassword('IX', cred.sha256, 'sha256'), true);
    assert.equal(await verifyPlainPassword('\u2168', cred.sha256, 'sha256'), true);
    assert.equal(await verifyPlainPassword('I X', cred.sha256, 'sha256'), false);
  });

  it('SASLprep maps non-ASCII spaces to U+0020 (RFC 4013 §2.1)', async () => {
    const cred = await deriveCredentials('a b', 4096);
    assert.equal(await verifyPlainPassword('a\u00A0b', cred.sha256, 'sha256'), true);
  });

  it('SASLprep leaves printable ASCII as it is, so skipping it there changes nothing (RFC 4013 §2)', () => {
    for (let c = 0x20; c <= 0x7e; c++) {
      const ch = String.fromCharCode(c);
      for (const allowUnassigned of [false, true]) assert.equal(saslprep(`a${ch}b${ch}`, { allowUnassigned }), `a${ch}b${ch}`, `U+${c.toString(16)}`);
    }
    assert.equal(saslPrep('user name', false), 'user name');
    // Outside printable ASCII the full profile still runs: mapping, and refusal of controls.
    assert.equal(saslPrep('I\u00ADX', false), 'IX');
    assert.equal(saslPrep('a\u00A0b', false), 'a b');
    assert.throws(() => saslPrep('a\u0007b', true));
    assert.throws(() => saslPrep('a\u007Fb', true));
  });

  it('fake credentials are deterministic per user and hash, and differ across them', () => {
    const secret = Buffer.from('s3cret');
    const a = fakeCredential(secret, 'nobody', 'sha256', 4096);
    assert.deepEqual(a, fakeCredential(secret, 'nobody', 'sha256', 4096));
    assert.notDeepEqual(a.salt, fakeCredential(secret, 'nobody', 'sha1', 4096).salt);
    assert.notDeepEqual(a.salt, fakeCredential(secret, 'somebody', 'sha256', 4096).salt);
    assert.notDeepEqual(a.salt, fakeCredential(Buffer.from('other'), 'nobody', 'sha256', 4096).salt);
    assert.equal(a.salt.length, 16);
    assert.equal(fakeCredential(secret, 'x', 'sha1', 4096).storedKey.length, 20);
  });

  it('prepares usernames to JID localparts and refuses forbidden ones (RFC 7622 §3.3)', () => {
    assert.equal(prepareUsername('Juliet'), 'juliet');
    assert.equal(prepareUsername('ju\u00ADliet'), 'juliet');
    assert.equal(prepareUsername('juliet@example.org'), undefined);
    assert.equal(prepareUsername(''), undefined);
    assert.equal(prepareUsername('a\u0007'), undefined);
  });

  it('accepts an authzid only when empty or the bare JID of the account (RFC 6120 §6.3.8)', () => {
    assert.equal(authzidAllowed('', 'juliet', 'example.org'), true);
    assert.equal(authzidAllowed('juliet@example.org', 'juliet', 'example.org'), true);
    assert.equal(authzidAllowed('Juliet@EXAMPLE.org', 'juliet', 'example.org'), true);
    assert.equal(authzidAllowed('romeo@example.org', 'juliet', 'example.org'), false);
    assert.equal(authzidAllowed('juliet@example.org/balcony', 'juliet', 'example.org'), false);
    assert.equal(authzidAllowed('juliet@example.net', 'juliet', 'example.org'), false);
    assert.equal(authzidAllowed('@@', 'juliet', 'example.org'), false);
  });

  it('rejects invalid UTF-8 with incorrect-encoding (RFC 6120 §6.5.2)', () => {
    assert.equal(decodeUtf8(Buffer.from('h\u00e9', 'utf8')), 'h\u00e9');
    assert.throws(() => decodeUtf8(Buffer.from([0x61, 0xc3])), (e: unknown) => e instanceof SaslFailure && e.condition === 'incorrect-encoding');
  });
});
