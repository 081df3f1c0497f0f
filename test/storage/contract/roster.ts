// Contract for RosterStore: RFC 6121 §2 items and XEP-0237 roster versioning.
import { strict as assert } from 'node:assert';
import { ROSTER_TOMBSTONES_KEPT } from '../../../src/storage/limits.js';
import type { RosterItem } from '../../../src/storage/types.js';
import { makeCredentials } from './credentials.js';
import type { ContractContext } from './context.js';

function item(jid: string, over: Partial<RosterItem> = {}): RosterItem {
  return { jid, subscription: 'none', ask: false, approved: false, groups: [], ...over };
}

export function rosterContract(ctx: ContractContext): void {
  const { H, H2 } = ctx;

  describe('roster', function () {
    beforeEach(async function () {
      await ctx.store().accounts.create(H, 'alice', makeCredentials());
      await ctx.store().accounts.create(H, 'bob', makeCredentials());
    });

    it('an empty roster has version 0 and no items (XEP-0237 §2.4)', async function () {
      const s = ctx.store();
      assert.deepEqual(await s.roster.get(H, 'alice'), { version: 0, items: [] });
      assert.deepEqual(await s.roster.get(H, 'nobody'), { version: 0, items: [] });
      assert.equal(await s.roster.count(H, 'alice'), 0);
      assert.equal(await s.roster.getItem(H, 'alice', 'carol@example.net'), undefined);
    });

    it('setItem stores every field and getItem returns it (RFC 6121 §2.1.2)', async function () {
      const s = ctx.store();
      const full = item('carol@example.net', { name: 'Carol «C» 😀', subscription: 'both', ask: true, approved: true, groups: ['Friends', 'Work'] });
      await s.roster.setItem(H, 'alice', full);
      assert.deepEqual(await s.roster.getItem(H, 'alice', 'carol@example.net'), full);
      const bare = item('dave@example.net', { subscription: 'from' });
      await s.roster.setItem(H, 'alice', bare);
      const got = await s.roster.getItem(H, 'alice', 'dave@example.net');
      assert.deepEqual(got, bare);
      assert.equal(got?.name, undefined, 'an item without a name reads back without one');
      for (const sub of ['none', 'to', 'from', 'both'] as const) {
        await s.roster.setItem(H, 'alice', item(`${sub}@example.net`, { subscription: sub }));
        assert.equal((await s.roster.getItem(H, 'alice', `${sub}@example.net`))?.subscription, sub);
      }
    });

    it('setItem replaces an existing item, and an unset name clears the old one', async function () {
      const s = ctx.store();
      await s.roster.setItem(H, 'alice', item('carol@example.net', { name: 'Carol', groups: ['A'] }));
      await s.roster.setItem(H, 'alice', item('carol@example.net', { subscription: 'to', groups: ['B'] }));
      assert.deepEqual(await s.roster.getItem(H, 'alice', 'carol@example.net'), item('carol@example.net', { subscription: 'to', groups: ['B'] }));
      assert.equal(await s.roster.count(H, 'alice'), 1);
    });

    it('groups read back sorted by code point and without duplicates', async function () {
      const s = ctx.store();
      await s.roster.setItem(H, 'alice', item('carol@example.net', { groups: ['Work', 'friends', 'Work', 'Émigrés', 'Friends', ''] }));
      const expected = ['', 'Friends', 'Work', 'friends', 'Émigrés'];
      assert.deepEqual((await s.roster.getItem(H, 'alice', 'carol@example.net'))?.groups, expected);
      assert.deepEqual((await s.roster.get(H, 'alice')).items[0]?.groups, expected);
    });

    it('stored items are copies: changing an item after setItem or after get changes nothing', async function () {
      const s = ctx.store();
      const it1 = item('carol@example.net', { groups: ['A'] });
      await s.roster.setItem(H, 'alice', it1);
      it1.groups.push('B');
      const got = await s.roster.getItem(H, 'alice', 'carol@example.net');
      assert.deepEqual(got?.groups, ['A']);
      got?.groups.push('C');
      assert.deepEqual((await s.roster.getItem(H, 'alice', 'carol@example.net'))?.groups, ['A']);
    });

    it('get lists the items sorted by JID with the current version', async function () {
      const s = ctx.store();
      for (const j of ['zed@example.net', 'amy@example.net', 'example.com', 'émile@example.net']) await s.roster.setItem(H, 'alice', item(j));
      const r = await s.roster.get(H, 'alice');
      assert.equal(r.version, 4);
      assert.deepEqual(r.items.map((i) => i.jid), ['amy@example.net', 'example.com', 'zed@example.net', 'émile@example.net']);
      assert.equal(await s.roster.count(H, 'alice'), 4);
    });

    it('every setItem and removeItem grows the version by one and resolves with it (XEP-0237 §2.4)', async function () {
      const s = ctx.store();
      assert.equal(await s.roster.setItem(H, 'alice', item('a@example.net')), 1);
      assert.equal(await s.roster.setItem(H, 'alice', item('b@example.net')), 2);
      assert.equal(await s.roster.setItem(H, 'alice', item('a@example.net', { subscription: 'to' })), 3);
      assert.equal(await s.roster.removeItem(H, 'alice', 'b@example.net'), 4);
      assert.equal((await s.roster.get(H, 'alice')).version, 4);
      assert.equal(await s.roster.removeItem(H, 'alice', 'b@example.net'), undefined, 'removing an absent item resolves undefined');
      assert.equal((await s.roster.get(H, 'alice')).version, 4, 'and does not change the version');
      assert.equal((await s.roster.get(H, 'bob')).version, 0, 'versions are per user');
    });

    it('removeItem removes only that item', async function () {
      const s = ctx.store();
      await s.roster.setItem(H, 'alice', item('a@example.net'));
      await s.roster.setItem(H, 'alice', item('b@example.net'));
      await s.roster.removeItem(H, 'alice', 'a@example.net');
      assert.equal(await s.roster.getItem(H, 'alice', 'a@example.net'), undefined);
      assert.deepEqual((await s.roster.get(H, 'alice')).items.map((i) => i.jid), ['b@example.net']);
      assert.equal(await s.roster.count(H, 'alice'), 1);
    });

    it('rosters of users and hosts are separate', async function () {
      const s = ctx.store();
      await s.accounts.create(H2, 'alice', makeCredentials());
      await s.roster.setItem(H, 'alice', item('a@example.net'));
      await s.roster.setItem(H2, 'alice', item('b@example.net'));
      assert.deepEqual((await s.roster.get(H, 'bob')).items, []);
      assert.deepEqual((await s.roster.get(H, 'alice')).items.map((i) => i.jid), ['a@example.net']);
      assert.deepEqual((await s.roster.get(H2, 'alice')).items.map((i) => i.jid), ['b@example.net']);
      assert.equal((await s.roster.get(H2, 'alice')).version, 1);
    });

    it('changesSince names items changed and JIDs removed after the version (XEP-0237 §2.4)', async function () {
      const s = ctx.store();
      await s.roster.setItem(H, 'alice', item('a@example.net')); // 1
      await s.roster.setItem(H, 'alice', item('b@example.net')); // 2
      await s.roster.setItem(H, 'alice', item('c@example.net')); // 3
      await s.roster.setItem(H, 'alice', item('b@example.net', { subscription: 'both' })); // 4
      await s.roster.removeItem(H, 'alice', 'c@example.net'); // 5
      await s.roster.setItem(H, 'alice', item('d@example.net')); // 6
      await s.roster.removeItem(H, 'alice', 'a@example.net'); // 7
      assert.deepEqual(await s.roster.changesSince(H, 'alice', 3), {
        version: 7,
        changed: [item('b@example.net', { subscription: 'both' }), item('d@example.net')],
        removed: ['a@example.net', 'c@example.net'],
        versions: { 'b@example.net': 4, 'c@example.net': 5, 'd@example.net': 6, 'a@example.net': 7 },
      });
      assert.deepEqual(await s.roster.changesSince(H, 'alice', 6), { version: 7, changed: [], removed: ['a@example.net'], versions: { 'a@example.net': 7 } });
      const all = await s.roster.changesSince(H, 'alice', 0);
      assert.deepEqual(all?.changed.map((i) => i.jid), ['b@example.net', 'd@example.net']);
    });

    it('changesSince the current version is an empty diff', async function () {
      const s = ctx.store();
      assert.deepEqual(await s.roster.changesSince(H, 'alice', 0), { version: 0, changed: [], removed: [], versions: {} });
      await s.roster.setItem(H, 'alice', item('a@example.net'));
      assert.deepEqual(await s.roster.changesSince(H, 'alice', 1), { version: 1, changed: [], removed: [], versions: {} });
    });

    it('changesSince a version newer than the current one, or not a version, is undefined', async function () {
      const s = ctx.store();
      assert.equal(await s.roster.changesSince(H, 'alice', 1), undefined);
      await s.roster.setItem(H, 'alice', item('a@example.net'));
      assert.equal(await s.roster.changesSince(H, 'alice', 2), undefined);
      assert.equal(await s.roster.changesSince(H, 'alice', -1), undefined);
      assert.equal(await s.roster.changesSince(H, 'alice', 0.5), undefined);
    });

    it('an item removed and added again is reported as changed, not removed', async function () {
      const s = ctx.store();
      await s.roster.setItem(H, 'alice', item('a@example.net')); // 1
      await s.roster.removeItem(H, 'alice', 'a@example.net'); // 2
      await s.roster.setItem(H, 'alice', item('a@example.net', { name: 'A' })); // 3
      assert.deepEqual(await s.roster.changesSince(H, 'alice', 1), { version: 3, changed: [item('a@example.net', { name: 'A' })], removed: [], versions: { 'a@example.net': 3 } });
    });

    it(`removals are remembered for the last ${ROSTER_TOMBSTONES_KEPT}; older versions answer undefined`, async function () {
      this.timeout(20000);
      const s = ctx.store();
      const n = ROSTER_TOMBSTONES_KEPT + 2;
      for (let i = 0; i < n; i++) await s.roster.setItem(H, 'alice', item(`c${i}@example.net`)); // versions 1..n
      for (let i = 0; i < n; i++) await s.roster.removeItem(H, 'alice', `c${i}@example.net`); // versions n+1..2n
      const version = 2 * n;
      assert.equal((await s.roster.get(H, 'alice')).version, version);
      // The first two removals (versions n+1, n+2) were forgotten: a client at n+1 could miss the second.
      assert.equal(await s.roster.changesSince(H, 'alice', 0), undefined);
      assert.equal(await s.roster.changesSince(H, 'alice', n + 1), undefined);
      const kept = await s.roster.changesSince(H, 'alice', n + 2);
      assert.equal(kept?.removed.length, ROSTER_TOMBSTONES_KEPT);
      assert.deepEqual(kept?.changed, []);
      assert.deepEqual((await s.roster.changesSince(H, 'alice', version - 1))?.removed, [`c${n - 1}@example.net`]);
    });

    it('setItem for an account that does not exist rejects', async function () {
      const s = ctx.store();
      await assert.rejects(s.roster.setItem(H, 'ghost', item('a@example.net')));
      assert.deepEqual(await s.roster.get(H, 'ghost'), { version: 0, items: [] });
    });

    it('parallel setItems of one roster each get their own version', async function () {
      const s = ctx.store();
      const versions = await Promise.all(Array.from({ length: 20 }, (_, i) => s.roster.setItem(H, 'alice', item(`c${i}@example.net`))));
      assert.deepEqual([...versions].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal(await s.roster.count(H, 'alice'), 20);
    });

    it('holders finds the accounts of every host holding a JID with a subscription, a request, a pre-approval or a request from it', async function () {
      const s = ctx.store();
      for (const u of ['carol', 'dave', 'erin', 'frank']) await s.accounts.create(H, u, makeCredentials());
      await s.accounts.create(H2, 'alice', makeCredentials());
      const gone = 'gone@example.org';
      await s.roster.setItem(H, 'alice', item(gone, { subscription: 'both' }));
      await s.roster.setItem(H2, 'alice', item(gone, { subscription: 'to' }));
      await s.roster.setItem(H, 'bob', item(gone, { ask: true }));
      await s.roster.setItem(H, 'carol', item(gone, { approved: true }));
      await s.roster.addPendingIn(H, 'dave', gone, '<presence type="subscribe"/>');
      // An item with nothing left, and another JID: not holders.
      await s.roster.setItem(H, 'erin', item(gone));
      await s.roster.setItem(H, 'frank', item('other@example.org', { subscription: 'both' }));
      // Both an item and a request: once.
      await s.roster.setItem(H, 'dave', item(gone, { subscription: 'from' }));
      const found = (await s.roster.holders(gone)).map((h) => `${h.username}@${h.host}`).sort();
      assert.deepEqual(found, [`alice@${H}`, `alice@${H2}`, `bob@${H}`, `carol@${H}`, `dave@${H}`].sort());
      assert.deepEqual(await s.roster.holders('nobody@example.org'), []);
    });

    describe('pending inbound subscription requests (RFC 6121 §3.1.3)', function () {
      const stanza = (from: string, text = ''): string => `<presence from="${from}" to="alice@example.org" type="subscribe"><status>${text}</status></presence>`;

      it('addPendingIn stores a request and listPendingIn returns them sorted by JID', async function () {
        const s = ctx.store();
        await s.roster.addPendingIn(H, 'alice', 'zed@example.net', stanza('zed@example.net'));
        await s.roster.addPendingIn(H, 'alice', 'amy@example.net', stanza('amy@example.net'));
        assert.deepEqual(await s.roster.listPendingIn(H, 'alice'), [
          { jid: 'amy@example.net', stanza: stanza('amy@example.net') },
          { jid: 'zed@example.net', stanza: stanza('zed@example.net') },
        ]);
        assert.deepEqual(await s.roster.listPendingIn(H, 'bob'), []);
      });

      it('a second request from the same JID overwrites the first', async function () {
        const s = ctx.store();
        await s.roster.addPendingIn(H, 'alice', 'amy@example.net', stanza('amy@example.net', 'first'));
        await s.roster.addPendingIn(H, 'alice', 'amy@example.net', stanza('amy@example.net', 'second'));
        assert.deepEqual(await s.roster.listPendingIn(H, 'alice'), [{ jid: 'amy@example.net', stanza: stanza('amy@example.net', 'second') }]);
      });

      it('removePendingIn removes one request and resolves false when there is none', async function () {
        const s = ctx.store();
        await s.roster.addPendingIn(H, 'alice', 'amy@example.net', stanza('amy@example.net'));
        await s.roster.addPendingIn(H, 'alice', 'zed@example.net', stanza('zed@example.net'));
        assert.equal(await s.roster.removePendingIn(H, 'alice', 'amy@example.net'), true);
        assert.equal(await s.roster.removePendingIn(H, 'alice', 'amy@example.net'), false);
        assert.equal(await s.roster.removePendingIn(H, 'nobody', 'amy@example.net'), false);
        assert.deepEqual((await s.roster.listPendingIn(H, 'alice')).map((p) => p.jid), ['zed@example.net']);
      });

      it('pendingInState counts the requests and tells whether one is from a JID', async function () {
        const s = ctx.store();
        assert.deepEqual(await s.roster.pendingInState(H, 'alice', 'amy@example.net'), { count: 0, pending: false });
        await s.roster.addPendingIn(H, 'alice', 'amy@example.net', stanza('amy@example.net'));
        await s.roster.addPendingIn(H, 'alice', 'zed@example.net', stanza('zed@example.net'));
        await s.roster.addPendingIn(H, 'bob', 'ann@example.net', stanza('ann@example.net'));
        assert.deepEqual(await s.roster.pendingInState(H, 'alice', 'amy@example.net'), { count: 2, pending: true });
        assert.deepEqual(await s.roster.pendingInState(H, 'alice', 'ann@example.net'), { count: 2, pending: false });
        assert.deepEqual(await s.roster.pendingInState(H, 'alice'), { count: 2, pending: false });
        assert.deepEqual(await s.roster.pendingInState(H, 'bob', 'ann@example.net'), { count: 1, pending: true });
        await s.roster.removePendingIn(H, 'alice', 'amy@example.net');
        assert.deepEqual(await s.roster.pendingInState(H, 'alice', 'amy@example.net'), { count: 1, pending: false });
        assert.deepEqual(await s.roster.pendingInState(H, 'ghost', 'amy@example.net'), { count: 0, pending: false });
      });

      it('pending requests do not touch the roster or its version', async function () {
        const s = ctx.store();
        await s.roster.addPendingIn(H, 'alice', 'amy@example.net', stanza('amy@example.net'));
        assert.deepEqual(await s.roster.get(H, 'alice'), { version: 0, items: [] });
      });

      it('addPendingIn for an account that does not exist rejects', async function () {
        const s = ctx.store();
        await assert.rejects(s.roster.addPendingIn(H, 'ghost', 'amy@example.net', stanza('amy@example.net')));
        assert.deepEqual(await s.roster.listPendingIn(H, 'ghost'), []);
      });
    });
  });
}
