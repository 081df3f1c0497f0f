// Username and password rules for in-band registration (XEP-0077 §3.1, §3.3).
import assert from 'node:assert/strict';
import { StanzaError } from '../../../src/xmpp/errors.js';
import { checkPassword, credentialsFor, newUsername } from '../../../src/modules/register/rules.js';

const condition = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof StanzaError, String(err));
    return err.condition;
  }
  return 'none';
};

describe('register module: rules', () => {
  it('prepares usernames with the localpart rules, as SASL does (RFC 7622 §3.3)', () => {
    assert.equal(newUsername('Juliet'), 'juliet');
    assert.equal(newUsername(' romeo '), 'romeo');
    assert.equal(newUsername('ＡＢＣ'), 'abc');
  });

  it('refuses a username that cannot be a localpart with jid-malformed', async () => {
    for (const bad of ['', 'a@b', 'a b', "o'neil", 'x/y', 'a'.repeat(1024)]) assert.equal(await condition(() => newUsername(bad)), 'jid-malformed', bad);
  });

  it('refuses passwords shorter than the minimum, counted in characters, with not-acceptable', async () => {
    assert.equal(await condition(() => checkPassword('1234567', 8)), 'not-acceptable');
    assert.equal(await condition(() => checkPassword('12345678', 8)), 'none');
    assert.equal(await condition(() => checkPassword('😀😀😀😀', 4)), 'none');
    assert.equal(await condition(() => checkPassword('x'.repeat(1025), 1)), 'not-acceptable');
  });

  it('refuses a password SASLprep prohibits with not-acceptable (RFC 4013 §2.3)', async () => {
    assert.equal(await condition(() => credentialsFor('bad\u0007password', 4096)), 'not-acceptable');
    const creds = await credentialsFor('good password', 4096);
    assert.equal(creds.sha256.iterations, 4096);
  });
});
