// Contract for ArchiveStore (XEP-0313 archives, XEP-0441 preferences).
import { strict as assert } from 'node:assert';
import type { ArchiveEntry, ArchiveQuery, Storage } from '../../../src/storage/types.js';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

const T0 = Date.UTC(2024, 0, 1);

/** Ids in code-point order whatever the collation: '-' < digits < upper case < '_' < lower case. */
const ID = (n: number): string => `id-${String(n).padStart(5, '0')}`;

function entry(host: string, username: string, n: number, over: Partial<ArchiveEntry> = {}): ArchiveEntry {
  return {
    host,
    username,
    id: ID(n),
    at: new Date(T0 + n * 1000),
    with: n % 2 === 0 ? 'bob@example.net' : 'carol@example.net',
    withResource: n % 4 === 0 ? 'phone' : '',
    stanza: `<message xmlns="jabber:client" id="m${n}"><body>${n} &amp; 😀</body></message>`,
    ...over,
  };
}

export function archiveContract(ctx: ContractContext): void {
  const { H, H2 } = ctx;
  const ids = (page: { messages: { id: string }[] }): string[] => page.messages.map((m) => m.id);
  const fill = async (s: Storage, count: number, username = 'alice', host = H): Promise<void> => {
    await s.archive.append(Array.from({ length: count }, (_, n) => entry(host, username, n)));
  };

  describe('message archive', function () {
    beforeEach(async function () {
      await ctx.store().accounts.create(H, 'alice', makeCredentials());
      await ctx.store().accounts.create(H, 'bob', makeCredentials());
    });

    it('append stores messages that query returns oldest first, every field exact', async function () {
      const s = ctx.store();
      assert.equal(await s.archive.append([entry(H, 'alice', 0), entry(H, 'alice', 1)]), 2);
      const page = await s.archive.query(H, 'alice', { limit: 10, fromEnd: false });
      assert.deepEqual(page.messages, [0, 1].map((n) => {
        const { host: _h, username: _u, ...m } = entry(H, 'alice', n);
        return m;
      }));
      assert.ok(page.messages[0]!.at instanceof Date);
      assert.equal(page.complete, true);
    });

    it('append skips accounts that do not exist and ids already archived', async function () {
      const s = ctx.store();
      assert.equal(await s.archive.append([entry(H, 'alice', 1), entry(H, 'ghost', 1), entry(H2, 'alice', 1)]), 1);
      assert.equal(await s.archive.append([entry(H, 'alice', 1, { stanza: '<message/>' }), entry(H, 'alice', 2)]), 2);
      const page = await s.archive.query(H, 'alice', { limit: 10, fromEnd: false });
      assert.deepEqual(ids(page), [ID(1), ID(2)]);
      assert.notEqual(page.messages[0]!.stanza, '<message/>', 'the first copy is kept');
      assert.equal((await s.archive.query(H, 'ghost', { limit: 10, fromEnd: false })).messages.length, 0);
      assert.equal(await s.archive.append([]), 0);
    });

    it('ids order by code point: "-" < digits < upper case < "_" < lower case', async function () {
      const s = ctx.store();
      const order = ['a-', 'a0', 'a9', 'aA', 'aZ', 'a_', 'aa', 'az'];
      await s.archive.append(order.map((id, n) => entry(H, 'alice', n, { id })));
      assert.deepEqual(ids(await s.archive.query(H, 'alice', { limit: 20, fromEnd: false })), order);
      assert.deepEqual(ids(await s.archive.query(H, 'alice', { after: 'a9', before: 'a_', limit: 20, fromEnd: false })), ['aA', 'aZ']);
    });

    it('pages forward with after and backward with before; complete tells whether more lie beyond (XEP-0059 §2.2, §2.3)', async function () {
      const s = ctx.store();
      await fill(s, 10);
      // [query, expected messages, complete]
      const cases: [Partial<ArchiveQuery>, number[], boolean][] = [
        [{}, [0, 1, 2, 3], false],
        [{ after: ID(3) }, [4, 5, 6, 7], false],
        [{ after: ID(7) }, [8, 9], true],
        [{ after: ID(5) }, [6, 7, 8, 9], true], // ends exactly at the last match
        [{ fromEnd: true }, [6, 7, 8, 9], false], // the newest page, oldest first
        [{ before: ID(6), fromEnd: true }, [2, 3, 4, 5], false],
        [{ before: ID(2), fromEnd: true }, [0, 1], true],
        [{ after: ID(2), before: ID(6), limit: 10 }, [3, 4, 5], true],
      ];
      for (const [q, expected, complete] of cases) {
        const page = await s.archive.query(H, 'alice', { limit: 4, fromEnd: false, ...q });
        assert.deepEqual([ids(page), page.complete], [expected.map(ID), complete], JSON.stringify(q));
      }
    });

    it('filters by bare JID, by resource and by ids, together with bounds', async function () {
      const s = ctx.store();
      await fill(s, 12);
      const bob = await s.archive.query(H, 'alice', { with: 'bob@example.net', limit: 100, fromEnd: false });
      assert.deepEqual(ids(bob), [0, 2, 4, 6, 8, 10].map(ID));
      const phone = await s.archive.query(H, 'alice', { with: 'bob@example.net', withResource: 'phone', limit: 100, fromEnd: false });
      assert.deepEqual(ids(phone), [0, 4, 8].map(ID));
      const bare = await s.archive.query(H, 'alice', { with: 'carol@example.net', withResource: '', limit: 100, fromEnd: false });
      assert.deepEqual(ids(bare), [1, 3, 5, 7, 9, 11].map(ID));
      const paged = await s.archive.query(H, 'alice', { with: 'bob@example.net', after: ID(2), limit: 2, fromEnd: false });
      assert.deepEqual(ids(paged), [4, 6].map(ID));
      assert.equal(paged.complete, false);
      const back = await s.archive.query(H, 'alice', { with: 'bob@example.net', before: ID(9), limit: 2, fromEnd: true });
      assert.deepEqual(ids(back), [6, 8].map(ID));
      const some = await s.archive.query(H, 'alice', { ids: [ID(7), ID(3), ID(99)], limit: 100, fromEnd: false });
      assert.deepEqual(ids(some), [ID(3), ID(7)]);
      const someWithBob = await s.archive.query(H, 'alice', { ids: [ID(7), ID(4), ID(3)], with: 'bob@example.net', limit: 100, fromEnd: false });
      assert.deepEqual(ids(someWithBob), [ID(4)], 'ids and with');
      const someAfter = await s.archive.query(H, 'alice', { ids: [ID(7), ID(4), ID(3)], after: ID(3), limit: 100, fromEnd: false });
      assert.deepEqual(ids(someAfter), [ID(4), ID(7)], 'ids and a bound');
      const none = await s.archive.query(H, 'alice', { with: 'dave@example.net', limit: 100, fromEnd: true });
      assert.deepEqual(none, { messages: [], complete: true });
    });

    it('count counts the matches of a filter', async function () {
      const s = ctx.store();
      await fill(s, 12);
      assert.equal(await s.archive.count(H, 'alice', {}), 12);
      assert.equal(await s.archive.count(H, 'alice', { with: 'bob@example.net', after: ID(3) }), 4);
      assert.equal(await s.archive.count(H, 'alice', { ids: [ID(1), ID(2), 'nope'] }), 2);
      assert.equal(await s.archive.count(H, 'bob', {}), 0);
    });

    it('missing names the ids an archive does not hold', async function () {
      const s = ctx.store();
      await fill(s, 3);
      await fill(s, 5, 'bob');
      assert.deepEqual(await s.archive.missing(H, 'alice', [ID(2), ID(4), ID(0), 'x']), [ID(4), 'x']);
      assert.deepEqual(await s.archive.missing(H, 'alice', []), []);
    });

    it('bounds gives the oldest and newest message, undefined for an empty archive (XEP-0313 §5)', async function () {
      const s = ctx.store();
      assert.equal(await s.archive.bounds(H, 'alice'), undefined);
      await fill(s, 5);
      const b = await s.archive.bounds(H, 'alice');
      assert.equal(b?.first.id, ID(0));
      assert.equal(b?.last.id, ID(4));
      assert.equal(b?.last.at.getTime(), T0 + 4000);
    });

    it('purge deletes the oldest messages of one host before a time, at most limit at once (XEP-0313 §3.2)', async function () {
      const s = ctx.store();
      await s.accounts.create(H2, 'alice', makeCredentials());
      await fill(s, 10);
      await fill(s, 10, 'bob');
      await fill(s, 10, 'alice', H2);
      const cut = new Date(T0 + 5000); // messages 0..4 of each archive are older
      assert.equal(await s.archive.purge(H, cut, 6), 6);
      assert.equal(await s.archive.purge(H, cut, 100), 4);
      assert.equal(await s.archive.purge(H, cut, 100), 0);
      assert.deepEqual(ids(await s.archive.query(H, 'alice', { limit: 100, fromEnd: false })), [5, 6, 7, 8, 9].map(ID));
      assert.deepEqual(ids(await s.archive.query(H, 'bob', { limit: 100, fromEnd: false })), [5, 6, 7, 8, 9].map(ID));
      assert.equal(await s.archive.count(H2, 'alice', {}), 10, 'other hosts keep theirs');
    });

    it('accounts.delete removes archive and preferences, of that account only', async function () {
      const s = ctx.store();
      await fill(s, 3);
      await fill(s, 3, 'bob');
      await s.archive.setPrefs(H, 'bob', { default: 'never', always: [], never: [] });
      assert.equal(await s.accounts.delete(H, 'bob'), true);
      assert.equal(await s.archive.count(H, 'alice', {}), 3, 'other accounts keep theirs');
      await s.accounts.create(H, 'bob', makeCredentials());
      assert.equal(await s.archive.count(H, 'bob', {}), 0);
      assert.equal(await s.archive.getPrefs(H, 'bob'), undefined);
    });

    it('preferences: undefined until set, then stored and replaced whole (XEP-0441 §2.1)', async function () {
      const s = ctx.store();
      assert.equal(await s.archive.getPrefs(H, 'alice'), undefined);
      await s.archive.setPrefs(H, 'alice', { default: 'roster', always: ['a@example.net', 'b@example.net'], never: ['ç@example.net'] });
      assert.deepEqual(await s.archive.getPrefs(H, 'alice'), { default: 'roster', always: ['a@example.net', 'b@example.net'], never: ['ç@example.net'] });
      await s.archive.setPrefs(H, 'alice', { default: 'never', always: [], never: [] });
      assert.deepEqual(await s.archive.getPrefs(H, 'alice'), { default: 'never', always: [], never: [] });
      assert.equal(await s.archive.getPrefs(H, 'bob'), undefined, 'per account');
      await assert.rejects(s.archive.setPrefs(H, 'ghost', { default: 'always', always: [], never: [] }));
    });
  });
}
