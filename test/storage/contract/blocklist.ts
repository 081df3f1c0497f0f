// Contract for BlockStore (XEP-0191 storage).
import { strict as assert } from 'node:assert';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

export function blocklistContract(ctx: ContractContext): void {
  const { H } = ctx;

  describe('blocklist', function () {
    beforeEach(async function () {
      await ctx.store().accounts.create(H, 'alice', makeCredentials());
      await ctx.store().accounts.create(H, 'bob', makeCredentials());
    });

    it('an account without blocks lists none', async function () {
      assert.deepEqual(await ctx.store().blocklist.list(H, 'alice'), []);
      assert.deepEqual(await ctx.store().blocklist.list(H, 'nobody'), []);
    });

    it('add stores bare, full and domain JIDs and list returns them sorted by code point', async function () {
      const s = ctx.store();
      const jids = ['zed@example.net', 'example.com', 'amy@example.net/phone', 'émile@example.net', 'Amy@example.net'];
      await s.blocklist.add(H, 'alice', jids);
      assert.deepEqual(await s.blocklist.list(H, 'alice'), [...jids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      assert.deepEqual(await s.blocklist.list(H, 'bob'), [], 'blocklists are per account');
    });

    it('add is idempotent: JIDs already blocked, or repeated in one call, are ignored', async function () {
      const s = ctx.store();
      await s.blocklist.add(H, 'alice', ['a@example.net', 'b@example.net']);
      await s.blocklist.add(H, 'alice', ['b@example.net', 'c@example.net', 'c@example.net']);
      await s.blocklist.add(H, 'alice', []);
      assert.deepEqual(await s.blocklist.list(H, 'alice'), ['a@example.net', 'b@example.net', 'c@example.net']);
    });

    it('remove with JIDs removes those (absent ones ignored); without JIDs removes all (XEP-0191 §3.4)', async function () {
      const s = ctx.store();
      await s.blocklist.add(H, 'alice', ['a@example.net', 'b@example.net', 'c@example.net']);
      await s.blocklist.add(H, 'bob', ['a@example.net']);
      await s.blocklist.remove(H, 'alice', ['a@example.net', 'c@example.net', 'zzz@example.net']);
      assert.deepEqual(await s.blocklist.list(H, 'alice'), ['b@example.net']);
      await s.blocklist.remove(H, 'alice', []);
      assert.deepEqual(await s.blocklist.list(H, 'alice'), ['b@example.net'], 'an empty list removes nothing');
      await s.blocklist.remove(H, 'alice');
      assert.deepEqual(await s.blocklist.list(H, 'alice'), []);
      assert.deepEqual(await s.blocklist.list(H, 'bob'), ['a@example.net'], "another account's list stays");
    });

    it('a large add round-trips (more rows than one statement can bind)', async function () {
      this.timeout(20000);
      const s = ctx.store();
      const jids = Array.from({ length: 700 }, (_, i) => `u${String(i).padStart(4, '0')}@example.net`);
      await s.blocklist.add(H, 'alice', jids);
      assert.deepEqual(await s.blocklist.list(H, 'alice'), jids);
      await s.blocklist.remove(H, 'alice', jids.slice(0, 600));
      assert.deepEqual(await s.blocklist.list(H, 'alice'), jids.slice(600));
    });

    it('add for an account that does not exist rejects', async function () {
      const s = ctx.store();
      await assert.rejects(s.blocklist.add(H, 'ghost', ['a@example.net']));
      assert.deepEqual(await s.blocklist.list(H, 'ghost'), []);
    });
  });
}
