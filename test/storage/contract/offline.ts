// Contract for OfflineStore (XEP-0160 storage).
import { strict as assert } from 'node:assert';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

const msg = (n: number): string => `<message from="bob@example.org/r" to="alice@example.org" type="chat" id="m${n}"><body>${n} &amp; 😀</body></message>`;

export function offlineContract(ctx: ContractContext): void {
  const { H, H2 } = ctx;

  describe('offline messages', function () {
    beforeEach(async function () {
      await ctx.store().accounts.create(H, 'alice', makeCredentials());
      await ctx.store().accounts.create(H, 'bob', makeCredentials());
    });

    it('push resolves with an id and list returns the messages oldest first with their stored time', async function () {
      const s = ctx.store();
      const before = Date.now();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const id = await s.offline.push(H, 'alice', msg(i), 100);
        assert.equal(typeof id, 'number');
        ids.push(id!);
      }
      assert.equal(new Set(ids).size, 5, 'ids are distinct');
      const list = await s.offline.list(H, 'alice');
      assert.deepEqual(list.map((m) => m.id), ids);
      assert.deepEqual(list.map((m) => m.stanza), [0, 1, 2, 3, 4].map(msg));
      for (const m of list) {
        assert.ok(m.stored instanceof Date);
        assert.ok(m.stored.getTime() >= before - 1000 && m.stored.getTime() <= Date.now() + 1000);
      }
      assert.ok([...ids].every((id, i) => i === 0 || id > ids[i - 1]!), 'later pushes get larger ids');
    });

    it('push at the limit resolves undefined and stores nothing', async function () {
      const s = ctx.store();
      assert.ok((await s.offline.push(H, 'alice', msg(1), 2)) !== undefined);
      assert.ok((await s.offline.push(H, 'alice', msg(2), 2)) !== undefined);
      assert.equal(await s.offline.push(H, 'alice', msg(3), 2), undefined);
      assert.equal(await s.offline.count(H, 'alice'), 2);
      assert.equal(await s.offline.push(H, 'alice', msg(4), 0), undefined, 'a limit of 0 stores nothing');
      assert.ok((await s.offline.push(H, 'bob', msg(5), 2)) !== undefined, 'the quota is per account');
    });

    it('parallel pushes never exceed the quota', async function () {
      const s = ctx.store();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.offline.push(H, 'alice', msg(i), 7)));
      assert.equal(results.filter((r) => r !== undefined).length, 7);
      assert.equal(await s.offline.count(H, 'alice'), 7);
    });

    it('remove deletes the given ids of that account only', async function () {
      const s = ctx.store();
      const a = [];
      for (let i = 0; i < 4; i++) a.push((await s.offline.push(H, 'alice', msg(i), 10))!);
      const b = (await s.offline.push(H, 'bob', msg(9), 10))!;
      await s.offline.remove(H, 'alice', [a[0]!, a[2]!, b, 999999]);
      assert.deepEqual((await s.offline.list(H, 'alice')).map((m) => m.id), [a[1], a[3]]);
      assert.deepEqual((await s.offline.list(H, 'bob')).map((m) => m.id), [b], "another account's id is not removed");
      await s.offline.remove(H, 'alice', []);
      assert.equal(await s.offline.count(H, 'alice'), 2);
    });

    it('remove of many ids at once works (more than one statement can bind)', async function () {
      this.timeout(20000);
      const s = ctx.store();
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) ids.push((await s.offline.push(H, 'alice', msg(i), 100))!);
      await s.offline.remove(H, 'alice', [...Array.from({ length: 1500 }, (_, i) => 10_000_000 + i), ...ids]);
      assert.equal(await s.offline.count(H, 'alice'), 0);
    });

    it('count and list are per account and host; an unknown account has none', async function () {
      const s = ctx.store();
      await s.accounts.create(H2, 'alice', makeCredentials());
      await s.offline.push(H, 'alice', msg(1), 10);
      await s.offline.push(H2, 'alice', msg(2), 10);
      await s.offline.push(H2, 'alice', msg(3), 10);
      assert.equal(await s.offline.count(H, 'alice'), 1);
      assert.equal(await s.offline.count(H2, 'alice'), 2);
      assert.equal(await s.offline.count(H, 'nobody'), 0);
      assert.deepEqual(await s.offline.list(H, 'nobody'), []);
    });

    it('stanzas round-trip exactly, 256 KiB included', async function () {
      const s = ctx.store();
      const big = `<message><body>${'x€😀'.repeat(256 * 1024 / 8)}</body></message>`;
      await s.offline.push(H, 'alice', big, 10);
      assert.equal((await s.offline.list(H, 'alice'))[0]?.stanza, big);
    });

    it('push for an account that does not exist rejects', async function () {
      const s = ctx.store();
      await assert.rejects(s.offline.push(H, 'ghost', msg(1), 10));
      assert.equal(await s.offline.count(H, 'ghost'), 0);
    });
  });
}
