// Contract for InviteStore (registration by invitation).
import { strict as assert } from 'node:assert';
import type { Invite } from '../../../src/storage/types.js';
import type { ContractContext } from './context.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const DAY = 86_400_000;

function invite(host: string, token: string, over: Partial<Invite> = {}): Invite {
  return { host, token, created: T0, expires: at(DAY), usesLeft: 1, ...over };
}

export function invitesContract(ctx: ContractContext): void {
  const { H, H2 } = ctx;

  describe('invites', function () {
    it('create stores the invite and get returns it exactly (dates to the millisecond)', async function () {
      const s = ctx.store();
      const inv = invite(H, 'tok-1', { created: at(123), expires: at(DAY + 456), usesLeft: 3 });
      await s.invites.create(inv);
      assert.deepEqual(await s.invites.get(H, 'tok-1'), inv);
      assert.equal(await s.invites.get(H, 'missing'), undefined);
      assert.equal(await s.invites.get(H2, 'tok-1'), undefined, 'tokens belong to one host');
    });

    it('create of an existing token on the same host rejects; another host may use it', async function () {
      const s = ctx.store();
      await s.invites.create(invite(H, 'tok'));
      await assert.rejects(s.invites.create(invite(H, 'tok', { usesLeft: 5 })));
      assert.equal((await s.invites.get(H, 'tok'))?.usesLeft, 1);
      await s.invites.create(invite(H2, 'tok'));
    });

    it('consume uses the token once per call until its uses run out', async function () {
      const s = ctx.store();
      await s.invites.create(invite(H, 'tok', { usesLeft: 2 }));
      assert.equal(await s.invites.consume(H, 'tok', at(1)), true);
      assert.equal((await s.invites.get(H, 'tok'))?.usesLeft, 1);
      assert.equal(await s.invites.consume(H, 'tok', at(2)), true);
      assert.equal(await s.invites.consume(H, 'tok', at(3)), false);
      assert.equal((await s.invites.get(H, 'tok'))?.usesLeft, 0);
    });

    it('consume of an expired token resolves false and uses nothing (expiry is exclusive)', async function () {
      const s = ctx.store();
      await s.invites.create(invite(H, 'tok', { usesLeft: 2 }));
      assert.equal(await s.invites.consume(H, 'tok', at(DAY)), false, 'at the expiry instant');
      assert.equal(await s.invites.consume(H, 'tok', at(2 * DAY)), false);
      assert.equal((await s.invites.get(H, 'tok'))?.usesLeft, 2);
      assert.equal(await s.invites.consume(H, 'tok', at(DAY - 1)), true);
    });

    it('consume of an unknown token, or of a token of another host, resolves false', async function () {
      const s = ctx.store();
      await s.invites.create(invite(H, 'tok'));
      assert.equal(await s.invites.consume(H, 'nope', at(1)), false);
      assert.equal(await s.invites.consume(H2, 'tok', at(1)), false);
      assert.equal((await s.invites.get(H, 'tok'))?.usesLeft, 1);
    });

    it('parallel consumes of a token with 3 uses: exactly 3 succeed', async function () {
      const s = ctx.store();
      await s.invites.create(invite(H, 'tok', { usesLeft: 3 }));
      const results = await Promise.all(Array.from({ length: 10 }, () => s.invites.consume(H, 'tok', at(1))));
      assert.equal(results.filter(Boolean).length, 3);
      assert.equal((await s.invites.get(H, 'tok'))?.usesLeft, 0);
    });

    it('list returns the invites of one host, oldest first', async function () {
      const s = ctx.store();
      await s.invites.create(invite(H, 'c', { created: at(2) }));
      await s.invites.create(invite(H, 'a', { created: at(5) }));
      await s.invites.create(invite(H, 'b', { created: at(2) }));
      await s.invites.create(invite(H2, 'x'));
      assert.deepEqual((await s.invites.list(H)).map((i) => i.token), ['b', 'c', 'a']);
      assert.deepEqual(await s.invites.list(H2), [invite(H2, 'x')]);
      assert.deepEqual(await s.invites.list('empty.example'), []);
    });

    it('delete removes the invite and resolves false when absent', async function () {
      const s = ctx.store();
      await s.invites.create(invite(H, 'tok'));
      await s.invites.create(invite(H2, 'tok'));
      assert.equal(await s.invites.delete(H, 'tok'), true);
      assert.equal(await s.invites.get(H, 'tok'), undefined);
      assert.equal(await s.invites.delete(H, 'tok'), false);
      assert.ok(await s.invites.get(H2, 'tok'), "another host's token stays");
      assert.equal(await s.invites.consume(H, 'tok', at(1)), false);
    });
  });
}
