// FAST token bookkeeping (XEP-0484) against the memory store: tokens derived from stored seeds,
// the 'new' and 'current' places, rotation, invalidation and expiry.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { FastLogin, afterFastLogin, fastKey, tokenOf } from '../../../src/core/c2s/sasl2/fast.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { SaslFailure } from '../../../src/xmpp/errors.js';
import { deriveCredentials } from '../../../src/xmpp/sasl/index.js';

const H = 'example.org';
const CLIENT = '0f0e5b4c-3a2b-4c1d-8e9f-a0b1c2d3e4f5';
const NONE = 'HT-SHA-256-NONE';
const KEY = fastKey(Buffer.alloc(32, 7));
const DAY_S = 86_400;
const T0 = new Date('2030-01-01T00:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);

/** What an HT client proves with `token`. */
const proof = (token: string): Buffer => createHmac('sha256', Buffer.from(token)).update('Initiator').digest();
const proves = (token: string) => (key: Buffer): boolean => createHmac('sha256', key).update('Initiator').digest().equals(proof(token));

describe('FAST tokens (XEP-0484)', () => {
  let s: Storage;
  beforeEach(async () => {
    s = createMemoryStorage();
    await s.accounts.create(H, 'alice', await deriveCredentials('pw', 4096));
  });

  const request = (over: { invalidate?: boolean; requestToken?: string } = {}) => ({ clientId: CLIENT, invalidate: false, requestToken: undefined, ...over });
  const issue = async (now = T0): Promise<string> => {
    const el = await afterFastLogin(s.fastTokens, KEY, { host: H, username: 'alice' }, request({ requestToken: NONE }), undefined, 14 * DAY_S, now);
    return el!.attrs.token as string;
  };
  const lookup = async (username: string) => (await s.accounts.get(H, username))?.credentials;
  const login = async (token: string, now = T0, clientId = CLIENT, mechanism = NONE): Promise<FastLogin & { ok: boolean }> => {
    const l = new FastLogin(s.fastTokens, KEY, H, clientId, mechanism, () => now, lookup);
    const found = await l.find('alice', proves(token));
    return Object.assign(l, { ok: found !== undefined });
  };

  it('derives a token per owner, client, mechanism and seed under the key; storage keeps only the seed', async () => {
    const owner = { host: H, username: 'alice', clientId: CLIENT, mechanism: NONE };
    const seed = Buffer.alloc(32, 1);
    const t = tokenOf(KEY, owner, seed);
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    for (const other of [{ ...owner, mechanism: 'HT-SHA-256-EXPR' }, { ...owner, clientId: 'x' }, { ...owner, username: 'bob' }]) {
      assert.notEqual(tokenOf(KEY, other, seed), t);
    }
    assert.notEqual(tokenOf(fastKey(Buffer.alloc(32, 8)), owner, seed), t, 'another server secret, another token');
    const token = await issue();
    const [stored] = await s.fastTokens.list(H, 'alice', CLIENT);
    assert.equal(tokenOf(KEY, stored!, stored!.seed), token);
    assert.equal(stored!.seed.toString('base64url').includes(token), false);
  });

  it('a new token is found in the new place and moves to current once used; the one before it is then gone', async () => {
    const first = await issue();
    const l1 = await login(first);
    assert.equal(l1.used?.slot, 'new');
    await afterFastLogin(s.fastTokens, KEY, { host: H, username: 'alice' }, request(), l1.used, 14 * DAY_S, T0);
    const second = await issue();
    assert.equal((await login(first)).used?.slot, 'current', 'still valid while the new one is unused');
    const l2 = await login(second);
    await afterFastLogin(s.fastTokens, KEY, { host: H, username: 'alice' }, request(), l2.used, 14 * DAY_S, T0);
    assert.equal((await login(first)).ok, false);
    assert.equal((await login(second)).ok, true);
  });

  it('a token works only for its client and mechanism', async () => {
    const token = await issue();
    assert.equal((await login(token, T0, '11111111-2222-4333-8444-555555555555')).ok, false);
    assert.equal((await login(token, T0, CLIENT, 'HT-SHA-256-EXPR')).ok, false);
  });

  it('rotates a token used in the second half of its life, not one used in the first, nor on invalidation', async () => {
    const token = await issue();
    const young = await login(token, at(7 * DAY_S - 1));
    assert.equal(await afterFastLogin(s.fastTokens, KEY, { host: H, username: 'alice' }, request(), young.used, 14 * DAY_S, at(7 * DAY_S - 1)), undefined);
    const old = await login(token, at(7 * DAY_S + 1));
    const fresh = await afterFastLogin(s.fastTokens, KEY, { host: H, username: 'alice' }, request(), old.used, 14 * DAY_S, at(7 * DAY_S + 1));
    assert.equal(fresh?.attrs.expiry, '2030-01-22T00:00:01Z');
    const last = await login(token, at(7 * DAY_S + 2));
    assert.equal(await afterFastLogin(s.fastTokens, KEY, { host: H, username: 'alice' }, request({ invalidate: true }), last.used, 14 * DAY_S, at(7 * DAY_S + 2)), undefined);
    assert.deepEqual(await s.fastTokens.list(H, 'alice', CLIENT), [], 'invalidation revokes the client\'s tokens');
  });

  it('an expired token that matches fails with credentials-expired and is removed; a miss costs one hash too', async () => {
    const token = await issue();
    const l = new FastLogin(s.fastTokens, KEY, H, CLIENT, NONE, () => at(14 * DAY_S), lookup);
    await assert.rejects(l.find('alice', proves(token)), (err: unknown) => err instanceof SaslFailure && err.condition === 'credentials-expired');
    assert.deepEqual(await s.fastTokens.list(H, 'alice', CLIENT), []);
    let calls = 0;
    const nobody = new FastLogin(s.fastTokens, KEY, H, CLIENT, NONE, () => T0, lookup);
    assert.equal(await nobody.find('nobody', () => (calls++, false)), undefined);
    assert.equal(await nobody.find(undefined, () => (calls++, false)), undefined);
    assert.equal(calls, 2);
  });
});
