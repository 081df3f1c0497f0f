// Contract: deleting an account removes everything stored for it, and only that.
import { strict as assert } from 'node:assert';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

export function accountDataContract(ctx: ContractContext): void {
  const { H } = ctx;

  describe('account deletion and per-account data', function () {
    it('accounts.delete removes roster, versions, pending requests, offline messages and blocklist; the namesake starts empty', async function () {
      const s = ctx.store();
      for (const u of ['alice', 'bob']) {
        await s.accounts.create(H, u, makeCredentials());
        await s.roster.setItem(H, u, { jid: 'carol@example.net', subscription: 'both', ask: false, approved: false, groups: ['G'] });
        await s.roster.setItem(H, u, { jid: 'dave@example.net', subscription: 'none', ask: false, approved: false, groups: [] });
        await s.roster.removeItem(H, u, 'dave@example.net');
        await s.roster.addPendingIn(H, u, 'eve@example.net', '<presence type="subscribe"/>');
        await s.offline.push(H, u, '<message/>', 10);
        await s.blocklist.add(H, u, ['spam@example.net']);
        await s.keyValue.set(H, u, 'k', 'v');
      }
      assert.equal(await s.accounts.delete(H, 'alice'), true);
      const check = async (expectEmpty: boolean, user: string): Promise<void> => {
        const roster = await s.roster.get(H, user);
        assert.equal(roster.items.length === 0, expectEmpty, `${user} roster`);
        assert.equal(roster.version === 0, expectEmpty, `${user} roster version`);
        assert.equal((await s.roster.listPendingIn(H, user)).length === 0, expectEmpty, `${user} pending`);
        assert.equal((await s.offline.count(H, user)) === 0, expectEmpty, `${user} offline`);
        assert.equal((await s.blocklist.list(H, user)).length === 0, expectEmpty, `${user} blocklist`);
      };
      await check(true, 'alice');
      await check(false, 'bob');
      assert.equal(await s.roster.changesSince(H, 'alice', 1), undefined, 'no version survives');
      assert.equal(await s.accounts.create(H, 'alice', makeCredentials()), true);
      await check(true, 'alice');
      assert.deepEqual(await s.roster.changesSince(H, 'alice', 0), { version: 0, changed: [], removed: [], versions: {} });
      assert.equal(await s.roster.setItem(H, 'alice', { jid: 'x@example.net', subscription: 'none', ask: false, approved: false, groups: [] }), 1);
    });

    it('invites are not tied to accounts: deleting an account keeps them', async function () {
      const s = ctx.store();
      await s.accounts.create(H, 'alice', makeCredentials());
      await s.invites.create({ host: H, token: 't', created: new Date(0), expires: new Date(Date.now() + 60_000), usesLeft: 1 });
      await s.accounts.delete(H, 'alice');
      assert.equal((await s.invites.get(H, 't'))?.usesLeft, 1);
    });
  });
}
