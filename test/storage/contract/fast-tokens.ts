// Contract for FastTokenStore (XEP-0484 tokens: a 'current' and a 'new' one per client).
import { strict as assert } from 'node:assert';
import type { FastToken } from '../../../src/storage/types.js';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';
import { FAST_CLIENTS_KEPT } from '../../../src/storage/limits.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const DAY = 86_400_000;
const CLIENT = '0f0e5b4c-3a2b-4c1d-8e9f-a0b1c2d3e4f5';
const OTHER = '11111111-2222-4333-8444-555555555555';

export function fastTokensContract(ctx: ContractContext): void {
  const { H } = ctx;

  const token = (seedByte: number, over: Partial<Omit<FastToken, 'slot'>> = {}): Omit<FastToken, 'slot'> => ({
    host: H, username: 'alice', clientId: CLIENT, mechanism: 'HT-SHA-256-NONE',
    seed: Buffer.alloc(32, seedByte), created: T0, expires: at(DAY), ...over,
  });

  /** alice's CLIENT with a 'current' and a 'new' token, and one token of her OTHER client. */
  const bothSlotsAndAnotherClient = async () => {
    const s = ctx.store().fastTokens;
    await s.issue(token(1));
    await s.promote(H, 'alice', CLIENT, Buffer.alloc(32, 1));
    await s.issue(token(2));
    await s.issue(token(3, { clientId: OTHER }));
    return s;
  };

  describe('FAST tokens', function () {
    beforeEach(async function () {
      await ctx.store().accounts.create(H, 'alice', makeCredentials());
      await ctx.store().accounts.create(H, 'bob', makeCredentials());
    });

    it('issue puts a token in the new slot; list returns it exactly (seed bytes, dates to the millisecond)', async function () {
      const s = ctx.store().fastTokens;
      const t = token(1, { mechanism: 'HT-SHA-256-ENDP', created: at(123), expires: at(DAY + 456) });
      await s.issue(t);
      assert.deepEqual(await s.list(H, 'alice', CLIENT), [{ ...t, slot: 'new' }]);
      assert.deepEqual(await s.list(H, 'alice', OTHER), [], 'tokens belong to one client');
      assert.deepEqual(await s.list(H, 'bob', CLIENT), [], 'and to one account');
    });

    it('a second issue replaces the unused new token (XEP-0484 token rotation: unused tokens go)', async function () {
      const s = ctx.store().fastTokens;
      await s.issue(token(1));
      await s.issue(token(2, { created: at(5) }));
      const list = await s.list(H, 'alice', CLIENT);
      assert.equal(list.length, 1);
      assert.ok(list[0]!.seed.equals(Buffer.alloc(32, 2)));
    });

    it('promote moves new to current, replacing the old current; new first in list', async function () {
      const s = ctx.store().fastTokens;
      await s.issue(token(1));
      assert.equal(await s.promote(H, 'alice', CLIENT, Buffer.alloc(32, 1)), true);
      await s.issue(token(2, { created: at(1) }));
      assert.deepEqual((await s.list(H, 'alice', CLIENT)).map((t) => [t.slot, t.seed[0]]), [['new', 2], ['current', 1]]);
      assert.equal(await s.promote(H, 'alice', CLIENT, Buffer.alloc(32, 2)), true);
      assert.deepEqual((await s.list(H, 'alice', CLIENT)).map((t) => [t.slot, t.seed[0]]), [['current', 2]]);
    });

    it('promote of a seed that is not in the new slot resolves false and changes nothing', async function () {
      const s = ctx.store().fastTokens;
      await s.issue(token(1));
      await s.promote(H, 'alice', CLIENT, Buffer.alloc(32, 1));
      await s.issue(token(2, { created: at(1) }));
      assert.equal(await s.promote(H, 'alice', CLIENT, Buffer.alloc(32, 1)), false, 'the current one');
      assert.equal(await s.promote(H, 'alice', CLIENT, Buffer.alloc(32, 9)), false, 'an unknown one');
      assert.equal(await s.promote(H, 'alice', OTHER, Buffer.alloc(32, 2)), false, 'another client');
      assert.equal((await s.list(H, 'alice', CLIENT)).length, 2);
    });

    it('parallel promotes of the same token: exactly one succeeds, and the token stays current', async function () {
      const s = ctx.store().fastTokens;
      // Rounds, each over a current token from the round before: the losers of a race must
      // neither promote nor delete what the winner made current (a timing-dependent fault in
      // SQL backends, so it gets several chances to show).
      for (let round = 1; round <= 10; round++) {
        await s.issue(token(round, { created: at(round) }));
        const results = await Promise.all(Array.from({ length: 5 }, () => s.promote(H, 'alice', CLIENT, Buffer.alloc(32, round))));
        assert.equal(results.filter(Boolean).length, 1, `round ${round}`);
        assert.deepEqual((await s.list(H, 'alice', CLIENT)).map((t) => [t.slot, t.seed[0]]), [['current', round]], `round ${round}`);
      }
    });

    it('revoke removes one slot or both and counts them', async function () {
      const s = await bothSlotsAndAnotherClient();
      assert.equal(await s.revoke(H, 'alice', CLIENT, 'current'), 1);
      assert.deepEqual((await s.list(H, 'alice', CLIENT)).map((t) => t.slot), ['new']);
      await s.promote(H, 'alice', CLIENT, Buffer.alloc(32, 2));
      await s.issue(token(4));
      assert.equal(await s.revoke(H, 'alice', CLIENT), 2);
      assert.deepEqual(await s.list(H, 'alice', CLIENT), []);
      assert.equal(await s.revoke(H, 'alice', CLIENT), 0);
      assert.equal((await s.list(H, 'alice', OTHER)).length, 1, "another client's token stays");
    });

    it("a password change (accounts.setCredentials) revokes every token of the account, of every client, and no other account's", async function () {
      const s = await bothSlotsAndAnotherClient();
      await s.issue(token(4, { username: 'bob' }));
      assert.equal(await ctx.store().accounts.setCredentials(H, 'alice', makeCredentials()), true);
      assert.deepEqual(await s.list(H, 'alice', CLIENT), []);
      assert.deepEqual(await s.list(H, 'alice', OTHER), []);
      assert.equal((await s.list(H, 'bob', CLIENT)).length, 1, "another account's token stays");
      // Tokens issued after the change are kept.
      await s.issue(token(5));
      assert.equal((await s.list(H, 'alice', CLIENT)).length, 1);
    });

    it("issue removes the account's tokens expired by then (expiry is exclusive)", async function () {
      const s = ctx.store().fastTokens;
      await s.issue(token(1, { clientId: OTHER, expires: at(10) }));
      await s.issue(token(2, { clientId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', expires: at(11) }));
      await s.issue(token(3, { created: at(10) }));
      assert.deepEqual(await s.list(H, 'alice', OTHER), [], 'expired at the instant of the issue');
      assert.equal((await s.list(H, 'alice', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee')).length, 1);
    });

    it(`keeps tokens for at most ${FAST_CLIENTS_KEPT} clients of an account: those issued one longest ago lose theirs`, async function () {
      const s = ctx.store().fastTokens;
      const id = (n: number): string => `client-${String(n).padStart(4, '0')}`;
      for (let n = 0; n < FAST_CLIENTS_KEPT + 2; n++) await s.issue(token(n % 250, { clientId: id(n), created: at(n), expires: at(DAY) }));
      assert.deepEqual(await s.list(H, 'alice', id(0)), [], 'the oldest client');
      assert.deepEqual(await s.list(H, 'alice', id(1)), []);
      assert.equal((await s.list(H, 'alice', id(2))).length, 1, 'the oldest one kept');
      assert.equal((await s.list(H, 'alice', id(FAST_CLIENTS_KEPT + 1))).length, 1, 'the newest');
    });

    it('issue for an account that does not exist rejects; deleting the account removes its tokens', async function () {
      const s = ctx.store();
      await assert.rejects(s.fastTokens.issue(token(1, { username: 'ghost' })));
      await s.fastTokens.issue(token(1));
      assert.equal(await s.accounts.delete(H, 'alice'), true);
      await s.accounts.create(H, 'alice', makeCredentials());
      assert.deepEqual(await s.fastTokens.list(H, 'alice', CLIENT), []);
    });
  });
}
