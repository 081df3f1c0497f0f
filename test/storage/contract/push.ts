// Contract for PushStore (XEP-0357 registrations).
import { strict as assert } from 'node:assert';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

export function pushContract(ctx: ContractContext): void {
  const { H } = ctx;
  const secret = [{ var: 'secret', values: ['s3cr€t <&>'] }];

  describe('push registrations', function () {
    beforeEach(async function () {
      await ctx.store().accounts.create(H, 'alice', makeCredentials());
      await ctx.store().accounts.create(H, 'bob', makeCredentials());
    });

    it('an account without registrations lists none', async function () {
      assert.deepEqual(await ctx.store().push.list(H, 'alice'), []);
      assert.deepEqual(await ctx.store().push.list(H, 'nobody'), []);
    });

    it('enable adds registrations per JID and node with their options; list sorts by JID, then node', async function () {
      const s = ctx.store();
      const before = Date.now();
      assert.equal(await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n2', options: [] }, 5), 'added');
      assert.equal(await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n1', options: secret }, 5), 'added');
      assert.equal(await s.push.enable(H, 'alice', { jid: 'app.example.com', node: 'n9', options: [{ var: 'a', values: ['1', '2'] }, { var: 'b', values: [] }] }, 5), 'added');
      const list = await s.push.list(H, 'alice');
      assert.deepEqual(list.map((r) => [r.jid, r.node, r.options]), [
        ['app.example.com', 'n9', [{ var: 'a', values: ['1', '2'] }, { var: 'b', values: [] }]],
        ['push.example.net', 'n1', secret],
        ['push.example.net', 'n2', []],
      ]);
      for (const r of list) assert.ok(r.updated instanceof Date && r.updated.getTime() >= before - 1000);
      assert.deepEqual(await s.push.list(H, 'bob'), [], 'registrations are per account');
    });

    it('enabling the same JID and node again replaces its options (XEP-0357 §5) and is never refused by the limit', async function () {
      const s = ctx.store();
      await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n1', options: secret }, 1);
      assert.equal(await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n1', options: [] }, 1), 'updated');
      assert.deepEqual((await s.push.list(H, 'alice')).map((r) => r.options), [[]]);
    });

    it('a new registration past the limit is refused and nothing changes', async function () {
      const s = ctx.store();
      await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n1', options: [] }, 2);
      await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n2', options: [] }, 2);
      assert.equal(await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n3', options: [] }, 2), 'limit');
      assert.deepEqual((await s.push.list(H, 'alice')).map((r) => r.node), ['n1', 'n2']);
      assert.equal(await s.push.enable(H, 'bob', { jid: 'push.example.net', node: 'n3', options: [] }, 2), 'added', 'the limit is per account');
    });

    it('parallel enables of distinct nodes never exceed the limit', async function () {
      const s = ctx.store();
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => s.push.enable(H, 'alice', { jid: 'push.example.net', node: `n${i}`, options: [] }, 3)));
      assert.equal(outcomes.filter((o) => o === 'added').length, 3);
      assert.equal((await s.push.list(H, 'alice')).length, 3);
    });

    it('disable with a node removes that one; without a node every one of the JID (XEP-0357 §6)', async function () {
      const s = ctx.store();
      for (const node of ['n1', 'n2', 'n3']) await s.push.enable(H, 'alice', { jid: 'push.example.net', node, options: [] }, 5);
      await s.push.enable(H, 'alice', { jid: 'app.example.com', node: 'n1', options: [] }, 5);
      await s.push.enable(H, 'bob', { jid: 'push.example.net', node: 'n1', options: [] }, 5);
      assert.equal(await s.push.disable(H, 'alice', 'push.example.net', 'n2'), 1);
      assert.equal(await s.push.disable(H, 'alice', 'push.example.net', 'n2'), 0);
      assert.deepEqual((await s.push.list(H, 'alice')).map((r) => `${r.jid} ${r.node}`), ['app.example.com n1', 'push.example.net n1', 'push.example.net n3']);
      assert.equal(await s.push.disable(H, 'alice', 'push.example.net'), 2);
      assert.deepEqual((await s.push.list(H, 'alice')).map((r) => `${r.jid} ${r.node}`), ['app.example.com n1']);
      assert.equal((await s.push.list(H, 'bob')).length, 1, "another account's registrations stay");
      assert.equal(await s.push.disable(H, 'nobody', 'push.example.net'), 0);
    });

    it('enable for an account that does not exist rejects; deleting an account removes its registrations', async function () {
      const s = ctx.store();
      await assert.rejects(s.push.enable(H, 'ghost', { jid: 'push.example.net', node: 'n', options: [] }, 5));
      await s.push.enable(H, 'alice', { jid: 'push.example.net', node: 'n', options: secret }, 5);
      await s.accounts.delete(H, 'alice');
      await s.accounts.create(H, 'alice', makeCredentials());
      assert.deepEqual(await s.push.list(H, 'alice'), []);
    });
  });
}
