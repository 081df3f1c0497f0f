// Contract for PubsubStore (XEP-0163 personal nodes) and CapsStore (XEP-0115 cache).
import { strict as assert } from 'node:assert';
import type { PubsubItem } from '../../../src/storage/types.js';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

const item = (id: string, payload = `<p xmlns='urn:example'>${id}</p>`, at = 1_700_000_000_000): PubsubItem => ({
  id,
  payload,
  publisher: 'alice@example.org/home',
  published: new Date(at),
});

export function pubsubContract(ctx: ContractContext): void {
  const { H, H2 } = ctx;
  const N = 'urn:example:node';

  describe('pubsub', function () {
    beforeEach(async function () {
      await ctx.store().accounts.create(H, 'alice', makeCredentials());
      await ctx.store().accounts.create(H, 'bob', makeCredentials());
    });

    it('createNode creates once, then answers exists; the node keeps its configuration', async function () {
      const s = ctx.store();
      assert.equal(await s.pubsub.createNode(H, 'alice', N, { access_model: 'whitelist', max_items: 'max', roster_groups_allowed: ['A'] }, 10), 'created');
      assert.equal(await s.pubsub.createNode(H, 'alice', N, {}, 10), 'exists');
      const node = await s.pubsub.getNode(H, 'alice', N);
      assert.ok(node);
      assert.deepEqual(node.config, { access_model: 'whitelist', max_items: 'max', roster_groups_allowed: ['A'] });
      assert.deepEqual(node.affiliations, {});
      assert.ok(node.created instanceof Date);
      assert.equal(await s.pubsub.getNode(H, 'bob', N), undefined, 'nodes are per account');
    });

    it('createNode refuses past the node quota, and for an account that does not exist', async function () {
      const s = ctx.store();
      assert.equal(await s.pubsub.createNode(H, 'alice', 'a', {}, 2), 'created');
      assert.equal(await s.pubsub.createNode(H, 'alice', 'b', {}, 2), 'created');
      assert.equal(await s.pubsub.createNode(H, 'alice', 'c', {}, 2), 'limit');
      assert.equal(await s.pubsub.createNode(H, 'alice', 'a', {}, 2), 'exists');
      assert.equal(await s.pubsub.createNode(H, 'bob', 'c', {}, 2), 'created');
      await assert.rejects(s.pubsub.createNode(H, 'ghost', 'a', {}, 2));
      assert.deepEqual((await s.pubsub.listNodes(H, 'alice')).map((n) => n.node), ['a', 'b']);
    });

    it('listNodes sorts by code point; updateNode replaces configuration and affiliations', async function () {
      const s = ctx.store();
      for (const n of ['zeta', 'Alpha', 'émile', 'beta']) await s.pubsub.createNode(H, 'alice', n, {}, 10);
      assert.deepEqual((await s.pubsub.listNodes(H, 'alice')).map((n) => n.node), ['Alpha', 'beta', 'zeta', 'émile']);
      // Each update replaces what was there: a key left out is gone, not kept from before.
      assert.equal(await s.pubsub.updateNode(H, 'alice', 'beta', { config: { access_model: 'whitelist', max_items: 5 } }), true);
      assert.equal(await s.pubsub.updateNode(H, 'alice', 'beta', { affiliations: { 'bob@example.org': 'member', 'carol@example.org': 'member' } }), true);
      assert.equal(await s.pubsub.updateNode(H, 'alice', 'beta', { config: { access_model: 'open' } }), true);
      assert.equal(await s.pubsub.updateNode(H, 'alice', 'beta', { affiliations: { 'bob@example.org': 'member' } }), true);
      const beta = await s.pubsub.getNode(H, 'alice', 'beta');
      assert.deepEqual(beta?.config, { access_model: 'open' });
      assert.deepEqual(beta?.affiliations, { 'bob@example.org': 'member' }, 'carol is no longer on the whitelist');
      assert.equal(await s.pubsub.updateNode(H, 'alice', 'nope', { config: {} }), false);
    });

    it('publish keeps publication order; a re-published id becomes the newest with its new payload (XEP-0060 §7.1.2)', async function () {
      const s = ctx.store();
      await s.pubsub.createNode(H, 'alice', N, {}, 10);
      for (const id of ['a', 'b', 'c']) assert.deepEqual(await s.pubsub.publish(H, 'alice', N, item(id), 10), []);
      await s.pubsub.publish(H, 'alice', N, item('a', '<p xmlns="urn:example">again</p>', 1_800_000_000_000), 10);
      const all = await s.pubsub.items(H, 'alice', N);
      assert.deepEqual(all.map((i) => i.id), ['b', 'c', 'a']);
      assert.equal(all[2]!.payload, '<p xmlns="urn:example">again</p>');
      assert.equal(all[2]!.publisher, 'alice@example.org/home');
      assert.equal(all[2]!.published.getTime(), 1_800_000_000_000);
      assert.deepEqual((await s.pubsub.items(H, 'alice', N, { last: 2 })).map((i) => i.id), ['c', 'a']);
      assert.deepEqual((await s.pubsub.items(H, 'alice', N, { ids: ['a', 'b', 'zz'] })).map((i) => i.id), ['b', 'a']);
      assert.deepEqual(await s.pubsub.items(H, 'alice', N, { last: 0 }), []);
      assert.deepEqual(await s.pubsub.items(H, 'alice', 'missing'), []);
    });

    it('publish removes the oldest items beyond max_items and says which (XEP-0060 §7.1.2.6)', async function () {
      const s = ctx.store();
      await s.pubsub.createNode(H, 'alice', N, {}, 10);
      await s.pubsub.publish(H, 'alice', N, item('1'), 3);
      await s.pubsub.publish(H, 'alice', N, item('2'), 3);
      await s.pubsub.publish(H, 'alice', N, item('3'), 3);
      assert.deepEqual(await s.pubsub.publish(H, 'alice', N, item('4'), 3), ['1']);
      assert.deepEqual(await s.pubsub.publish(H, 'alice', N, item('5'), 1), ['2', '3', '4']);
      assert.deepEqual((await s.pubsub.items(H, 'alice', N)).map((i) => i.id), ['5']);
    });

    it('publish on a node that does not exist rejects', async function () {
      await assert.rejects(ctx.store().pubsub.publish(H, 'alice', 'nowhere', item('x'), 10));
    });

    it('lastItems gives the newest item of each node with items', async function () {
      const s = ctx.store();
      await s.pubsub.createNode(H, 'alice', 'one', {}, 10);
      await s.pubsub.createNode(H, 'alice', 'two', {}, 10);
      await s.pubsub.createNode(H, 'alice', 'empty', {}, 10);
      await s.pubsub.createNode(H, 'bob', 'one', {}, 10);
      await s.pubsub.publish(H, 'alice', 'one', item('x'), 10);
      await s.pubsub.publish(H, 'alice', 'two', item('y'), 10);
      await s.pubsub.publish(H, 'alice', 'one', item('z'), 10);
      await s.pubsub.publish(H, 'bob', 'one', item('b'), 10);
      const last = await s.pubsub.lastItems(H, 'alice');
      assert.deepEqual([...last.keys()].sort(), ['one', 'two']);
      assert.equal(last.get('one')?.id, 'z');
      assert.equal(last.get('two')?.id, 'y');
      assert.equal((await s.pubsub.lastItems(H, 'nobody')).size, 0);
    });

    it('retract removes the given items and reports those that existed; purge removes all', async function () {
      const s = ctx.store();
      await s.pubsub.createNode(H, 'alice', N, {}, 10);
      for (const id of ['a', 'b', 'c', 'd']) await s.pubsub.publish(H, 'alice', N, item(id), 10);
      assert.deepEqual(await s.pubsub.retract(H, 'alice', N, ['b', 'nope', 'b']), ['b']);
      assert.deepEqual(await s.pubsub.retract(H, 'alice', N, []), []);
      assert.deepEqual((await s.pubsub.items(H, 'alice', N)).map((i) => i.id), ['a', 'c', 'd']);
      assert.equal(await s.pubsub.purge(H, 'alice', N), 3);
      assert.deepEqual(await s.pubsub.items(H, 'alice', N), []);
      assert.ok(await s.pubsub.getNode(H, 'alice', N), 'purge keeps the node');
    });

    it('payloads round-trip exactly, unicode and markup included', async function () {
      const s = ctx.store();
      await s.pubsub.createNode(H, 'alice', N, {}, 10);
      const payload = `<data xmlns='urn:xmpp:avatar:data'>${'QUJD'.repeat(20_000)}</data><!-- 😀 grüße "&amp;" -->`;
      await s.pubsub.publish(H, 'alice', N, item('😀 id', payload), 10);
      await s.pubsub.publish(H, 'alice', N, item('empty', ''), 10);
      const got = await s.pubsub.items(H, 'alice', N);
      assert.equal(got[0]!.id, '😀 id');
      assert.equal(got[0]!.payload, payload);
      assert.equal(got[1]!.payload, '');
    });

    it('explicit subscriptions are kept per node, sorted, without duplicates', async function () {
      const s = ctx.store();
      await s.pubsub.createNode(H, 'alice', N, {}, 10);
      await s.pubsub.subscribe(H, 'alice', N, 'zed@example.net');
      await s.pubsub.subscribe(H, 'alice', N, 'amy@example.net/phone');
      await s.pubsub.subscribe(H, 'alice', N, 'zed@example.net');
      assert.deepEqual(await s.pubsub.subscribers(H, 'alice', N), ['amy@example.net/phone', 'zed@example.net']);
      assert.equal(await s.pubsub.unsubscribe(H, 'alice', N, 'zed@example.net'), true);
      assert.equal(await s.pubsub.unsubscribe(H, 'alice', N, 'zed@example.net'), false);
      assert.deepEqual(await s.pubsub.subscribers(H, 'alice', N), ['amy@example.net/phone']);
      await assert.rejects(s.pubsub.subscribe(H, 'alice', 'missing', 'x@example.net'));
    });

    it('subscriptionsOn lists every explicit subscription to the nodes of one host\'s accounts', async function () {
      const s = ctx.store();
      await s.accounts.create(H2, 'alice', makeCredentials());
      for (const [host, user, node] of [[H, 'alice', N], [H, 'alice', 'other'], [H, 'bob', N], [H2, 'alice', N]] as const) {
        await s.pubsub.createNode(host, user, node, {}, 10);
      }
      await s.pubsub.subscribe(H, 'alice', N, 'zed@example.net');
      await s.pubsub.subscribe(H, 'alice', 'other', 'zed@example.net/phone');
      await s.pubsub.subscribe(H, 'bob', N, 'amy@example.net');
      await s.pubsub.subscribe(H2, 'alice', N, 'elsewhere@example.net');
      const key = (r: { username: string; node: string; jid: string }): string => `${r.username} ${r.node} ${r.jid}`;
      assert.deepEqual((await s.pubsub.subscriptionsOn(H)).map(key).sort(), [
        `alice ${N} zed@example.net`, 'alice other zed@example.net/phone', `bob ${N} amy@example.net`,
      ].sort());
      assert.deepEqual(await s.pubsub.subscriptionsOn('nowhere.example'), []);
    });

    it('deleteNode removes the node with its items and subscriptions; a new node of that name starts empty', async function () {
      const s = ctx.store();
      await s.pubsub.createNode(H, 'alice', N, { access_model: 'open' }, 10);
      await s.pubsub.publish(H, 'alice', N, item('a'), 10);
      await s.pubsub.subscribe(H, 'alice', N, 'x@example.net');
      assert.equal(await s.pubsub.deleteNode(H, 'alice', N), true);
      assert.equal(await s.pubsub.deleteNode(H, 'alice', N), false);
      assert.equal(await s.pubsub.getNode(H, 'alice', N), undefined);
      await s.pubsub.createNode(H, 'alice', N, {}, 10);
      assert.deepEqual(await s.pubsub.items(H, 'alice', N), []);
      assert.deepEqual(await s.pubsub.subscribers(H, 'alice', N), []);
      assert.deepEqual((await s.pubsub.getNode(H, 'alice', N))?.config, {});
    });

    it('accounts.delete removes every node, item and subscription of the account only', async function () {
      const s = ctx.store();
      for (const u of ['alice', 'bob']) {
        await s.pubsub.createNode(H, u, N, {}, 10);
        await s.pubsub.publish(H, u, N, item('a'), 10);
        await s.pubsub.subscribe(H, u, N, 'x@example.net');
      }
      await s.accounts.delete(H, 'alice');
      assert.deepEqual(await s.pubsub.listNodes(H, 'alice'), []);
      assert.deepEqual(await s.pubsub.items(H, 'alice', N), []);
      assert.equal((await s.pubsub.lastItems(H, 'alice')).size, 0);
      assert.equal((await s.pubsub.items(H, 'bob', N)).length, 1);
      await s.accounts.create(H, 'alice', makeCredentials());
      assert.deepEqual(await s.pubsub.listNodes(H, 'alice'), []);
      assert.equal(await s.pubsub.createNode(H, 'alice', N, {}, 10), 'created');
      assert.deepEqual(await s.pubsub.subscribers(H, 'alice', N), []);
    });
  });

  describe('entity capabilities cache', function () {
    it('put stores a verified string once; get answers undefined for an unknown one', async function () {
      const s = ctx.store();
      assert.equal(await s.caps.get('sha-1', 'QgayPKawpkPSDYmwT/WM94uAlu0='), undefined);
      await s.caps.put('sha-1', 'QgayPKawpkPSDYmwT/WM94uAlu0=', '<query/>', 10);
      await s.caps.put('sha-1', 'QgayPKawpkPSDYmwT/WM94uAlu0=', '<other/>', 10);
      assert.equal(await s.caps.get('sha-1', 'QgayPKawpkPSDYmwT/WM94uAlu0='), '<query/>');
      assert.equal(await s.caps.get('sha-256', 'QgayPKawpkPSDYmwT/WM94uAlu0='), undefined);
    });

    it('put stores nothing more once the cache holds maxEntries strings', async function () {
      const s = ctx.store();
      for (const v of ['a', 'b', 'c']) await s.caps.put('sha-1', v, `<query node='${v}'/>`, 2);
      assert.deepEqual([await s.caps.get('sha-1', 'a'), await s.caps.get('sha-1', 'b'), await s.caps.get('sha-1', 'c')],
        ["<query node='a'/>", "<query node='b'/>", undefined]);
    });
  });
}
