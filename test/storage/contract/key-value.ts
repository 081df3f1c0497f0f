// Contract for KeyValueStore: values per account, overwritten, deleted and written in bulk,
// round-tripping exactly, and refused for an account that does not exist.
import { strict as assert } from 'node:assert';
import type { Storage } from '../../../src/storage/types.js';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

export function keyValueContract(ctx: ContractContext): void {
  const { H, H2 } = ctx;

  describe('key/value', function () {
    let s: Storage;
    beforeEach(async function () {
      s = ctx.store();
      await s.accounts.create(H, 'alice', makeCredentials());
      await s.accounts.create(H, 'bob', makeCredentials());
    });

    it('get of a missing key resolves undefined', async function () {
      assert.equal(await s.keyValue.get(H, 'alice', 'nothing'), undefined);
      assert.equal(await s.keyValue.get(H, 'nobody', 'nothing'), undefined);
    });

    it('set stores a value and a second set overwrites it', async function () {
      await s.keyValue.set(H, 'alice', 'k', 'v1');
      assert.equal(await s.keyValue.get(H, 'alice', 'k'), 'v1');
      await s.keyValue.set(H, 'alice', 'k', 'v2');
      assert.equal(await s.keyValue.get(H, 'alice', 'k'), 'v2');
    });

    it('delete removes a key and resolves false when it is absent', async function () {
      await s.keyValue.set(H, 'alice', 'k', 'v');
      assert.equal(await s.keyValue.delete(H, 'alice', 'k'), true);
      assert.equal(await s.keyValue.get(H, 'alice', 'k'), undefined);
      assert.equal(await s.keyValue.delete(H, 'alice', 'k'), false);
      assert.equal(await s.keyValue.delete(H, 'nobody', 'k'), false);
    });

    it('keys belong to one account', async function () {
      await s.keyValue.set(H, 'alice', 'k', 'a');
      await s.keyValue.set(H, 'bob', 'k', 'b');
      assert.equal(await s.keyValue.get(H, 'alice', 'k'), 'a');
      assert.equal(await s.keyValue.delete(H, 'bob', 'k'), true);
      assert.equal(await s.keyValue.get(H, 'alice', 'k'), 'a');
    });

    it('values round-trip exactly: empty, unicode, markup and 256 KiB', async function () {
      const big = 'x€😀'.repeat(256 * 1024 / 8);
      const values: Record<string, string> = {
        empty: '',
        unicode: 'grüße 你好 😀\u0301 \u{10FFFD}',
        markup: '<query xmlns="jabber:iq:private"><a b="&amp;"/></query>\r\n\t',
        big,
      };
      for (const [k, v] of Object.entries(values)) await s.keyValue.set(H, 'alice', k, v);
      for (const [k, v] of Object.entries(values)) assert.equal(await s.keyValue.get(H, 'alice', k), v, k);
    });

    it('setMany writes many values at once, skips accounts that do not exist, last entry wins', async function () {
      await s.keyValue.set(H, 'alice', 'k', 'old');
      const n = await s.keyValue.setMany([
        { host: H, username: 'alice', key: 'k', value: 'first' },
        { host: H, username: 'ghost', key: 'k', value: 'lost' },
        { host: H, username: 'bob', key: 'k', value: 'b' },
        { host: H2, username: 'alice', key: 'k', value: 'no such account on this host' },
        { host: H, username: 'alice', key: 'k', value: 'second' },
        { host: H, username: 'alice', key: 'other', value: 'o' },
      ]);
      assert.equal(n, 3);
      assert.equal(await s.keyValue.get(H, 'alice', 'k'), 'second');
      assert.equal(await s.keyValue.get(H, 'alice', 'other'), 'o');
      assert.equal(await s.keyValue.get(H, 'bob', 'k'), 'b');
      assert.equal(await s.keyValue.get(H, 'ghost', 'k'), undefined);
      assert.equal(await s.keyValue.get(H2, 'alice', 'k'), undefined);
      assert.equal(await s.keyValue.setMany([]), 0);
    });

    it('setMany of more entries than one statement takes', async function () {
      const users = Array.from({ length: 450 }, (_, i) => `u${i}`);
      for (const u of users) await s.accounts.create(H, u, makeCredentials());
      assert.equal(await s.keyValue.setMany(users.map((u) => ({ host: H, username: u, key: 'last', value: `v-${u}` }))), 450);
      for (const u of ['u0', 'u199', 'u200', 'u449']) assert.equal(await s.keyValue.get(H, u, 'last'), `v-${u}`);
    });

    it('set for an account that does not exist rejects', async function () {
      await assert.rejects(s.keyValue.set(H, 'ghost', 'k', 'v'));
      assert.equal(await s.keyValue.get(H, 'ghost', 'k'), undefined);
      assert.equal(await s.accounts.get(H, 'ghost'), undefined);
    });

    it('parallel sets of different keys are all kept', async function () {
      await Promise.all(Array.from({ length: 30 }, (_, i) => s.keyValue.set(H, 'alice', `k${i}`, `v${i}`)));
      for (let i = 0; i < 30; i++) assert.equal(await s.keyValue.get(H, 'alice', `k${i}`), `v${i}`);
    });
  });
}
