// Contract for AccountStore: accounts with their SCRAM keys (RFC 5802), listing and counting
// per host, unicode names (RFC 7622), races, the epoch and the notes of changes.
import { strict as assert } from 'node:assert';
import type { Credentials, Storage } from '../../../src/storage/types.js';
import type { ContractContext } from './context.js';
import { makeCredentials } from './credentials.js';

function assertSameCredentials(actual: Credentials, expected: Credentials): void {
  for (const hash of ['sha1', 'sha256'] as const) {
    const a = actual[hash];
    const e = expected[hash];
    for (const field of ['salt', 'storedKey', 'serverKey'] as const) {
      assert.ok(Buffer.isBuffer(a[field]), `${hash}.${field} is a Buffer`);
      assert.ok(a[field].equals(e[field]), `${hash}.${field} has the exact bytes`);
    }
    assert.equal(a.iterations, e.iterations);
  }
}

export function accountsContract(ctx: ContractContext): void {
  const { H, H2 } = ctx;

  describe('accounts', function () {
    let s: Storage;
    beforeEach(function () {
      s = ctx.store();
    });

    it('create stores the account and get returns the exact SCRAM keys (RFC 5802 §3)', async function () {
      const creds = makeCredentials();
      const before = Date.now();
      assert.equal(await s.accounts.create(H, 'alice', creds), true);
      const rec = await s.accounts.get(H, 'alice');
      assert.ok(rec);
      assert.equal(rec.host, H);
      assert.equal(rec.username, 'alice');
      assertSameCredentials(rec.credentials, creds);
      assert.ok(rec.createdAt instanceof Date, 'createdAt is a Date');
      assert.ok(rec.createdAt.getTime() >= before - 1000 && rec.createdAt.getTime() <= Date.now() + 1000);
    });

    it('create of an existing account resolves false and keeps the first credentials', async function () {
      const first = makeCredentials();
      assert.equal(await s.accounts.create(H, 'alice', first), true);
      assert.equal(await s.accounts.create(H, 'alice', makeCredentials(10000)), false);
      const rec = await s.accounts.get(H, 'alice');
      assert.ok(rec);
      assertSameCredentials(rec.credentials, first);
      assert.equal(await s.accounts.count(H), 1);
    });

    it('get of a missing account resolves undefined', async function () {
      assert.equal(await s.accounts.get(H, 'nobody'), undefined);
      await s.accounts.create(H, 'alice', makeCredentials());
      assert.equal(await s.accounts.get(H2, 'alice'), undefined);
      assert.equal(await s.accounts.get(H, 'Alice'), undefined, 'usernames are stored as given (prepped upstream)');
    });

    it('stored keys are copies: changing a Buffer after create or after get changes nothing', async function () {
      const creds = makeCredentials();
      const salt = Buffer.from(creds.sha1.salt);
      const storedKey = Buffer.from(creds.sha1.storedKey);
      await s.accounts.create(H, 'alice', creds);
      creds.sha1.salt.fill(7);
      const got = await s.accounts.get(H, 'alice');
      assert.ok(got);
      assert.ok(got.credentials.sha1.salt.equals(salt));
      got.credentials.sha1.storedKey.fill(9);
      const again = await s.accounts.get(H, 'alice');
      assert.ok(again?.credentials.sha1.storedKey.equals(storedKey));
    });

    it('setCredentials replaces the keys of an existing account and keeps createdAt', async function () {
      await s.accounts.create(H, 'alice', makeCredentials());
      const created = (await s.accounts.get(H, 'alice'))?.createdAt;
      const next = makeCredentials(8192);
      assert.equal(await s.accounts.setCredentials(H, 'alice', next), true);
      const rec = await s.accounts.get(H, 'alice');
      assert.ok(rec);
      assertSameCredentials(rec.credentials, next);
      assert.equal(rec.createdAt.getTime(), created?.getTime());
    });

    it('setCredentials on a missing account resolves false and creates nothing', async function () {
      assert.equal(await s.accounts.setCredentials(H, 'ghost', makeCredentials()), false);
      assert.equal(await s.accounts.get(H, 'ghost'), undefined);
      assert.equal(await s.accounts.count(H), 0);
    });

    it('delete removes the account; a second delete resolves false', async function () {
      await s.accounts.create(H, 'alice', makeCredentials());
      await s.accounts.create(H, 'bob', makeCredentials());
      assert.equal(await s.accounts.delete(H, 'alice'), true);
      assert.equal(await s.accounts.get(H, 'alice'), undefined);
      assert.deepEqual(await s.accounts.list(H), ['bob']);
      assert.equal(await s.accounts.delete(H, 'alice'), false);
      assert.equal(await s.accounts.delete(H, 'never'), false);
    });

    it('delete removes the key/value data too, so a new account of the same name starts empty', async function () {
      await s.accounts.create(H, 'alice', makeCredentials());
      await s.keyValue.set(H, 'alice', 'private:storage:bookmarks', '<storage/>');
      await s.keyValue.set(H, 'alice', 'settings', '{}');
      assert.equal(await s.accounts.delete(H, 'alice'), true);
      assert.equal(await s.keyValue.get(H, 'alice', 'settings'), undefined);
      assert.equal(await s.accounts.create(H, 'alice', makeCredentials()), true);
      assert.equal(await s.keyValue.get(H, 'alice', 'private:storage:bookmarks'), undefined);
      assert.equal(await s.keyValue.get(H, 'alice', 'settings'), undefined);
    });

    it('list returns the usernames of one host in code-point order', async function () {
      const names = ['zoe', 'bob', 'Zed', 'alice', 'émile', '张伟', 'a', 'alice2', '😀x', 'ﬀ'];
      for (const n of names) await s.accounts.create(H, n, makeCredentials());
      await s.accounts.create(H2, 'carol', makeCredentials());
      const expected = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.deepEqual(await s.accounts.list(H), expected);
      assert.deepEqual(await s.accounts.list(H2), ['carol']);
      assert.deepEqual(await s.accounts.list('empty.example'), []);
    });

    it('count counts the accounts of one host', async function () {
      assert.equal(await s.accounts.count(H), 0);
      await s.accounts.create(H, 'a', makeCredentials());
      await s.accounts.create(H, 'b', makeCredentials());
      await s.accounts.create(H2, 'a', makeCredentials());
      assert.equal(await s.accounts.count(H), 2);
      assert.equal(await s.accounts.count(H2), 1);
      await s.accounts.delete(H, 'a');
      assert.equal(await s.accounts.count(H), 1);
      assert.equal(typeof (await s.accounts.count(H)), 'number');
    });

    it('unicode usernames and hosts round-trip exactly (RFC 7622 §3.2, §3.3)', async function () {
      const cases: [string, string][] = [
        ['exämple.org', 'jürgen'],
        ['пример.рф', 'иван'],
        ['例子.中国', '张伟'],
        [H, '😀'],
        [H, 'ﬁ'], // compatibility character: must not be folded into 'fi' by the store
        [H, 'fi'],
      ];
      for (const [host, user] of cases) {
        assert.equal(await s.accounts.create(host, user, makeCredentials()), true, `${user}@${host}`);
        await s.keyValue.set(host, user, 'ключ', `значение ${user}`);
      }
      for (const [host, user] of cases) {
        const rec = await s.accounts.get(host, user);
        assert.equal(rec?.host, host);
        assert.equal(rec?.username, user);
        assert.equal(await s.keyValue.get(host, user, 'ключ'), `значение ${user}`);
      }
      assert.deepEqual(await s.accounts.list('пример.рф'), ['иван']);
      assert.equal(await s.accounts.count(H), 3);
    });

    it('50 parallel creates of distinct users all succeed', async function () {
      const users = Array.from({ length: 50 }, (_, i) => `user${String(i).padStart(2, '0')}`);
      const results = await Promise.all(users.map((u) => s.accounts.create(H, u, makeCredentials())));
      assert.deepEqual(results, users.map(() => true));
      assert.equal(await s.accounts.count(H), 50);
      assert.deepEqual(await s.accounts.list(H), users);
      const rec = await s.accounts.get(H, 'user49');
      assert.ok(rec?.credentials.sha256.storedKey.length === 32);
    });

    it('parallel creates of the same user: exactly one succeeds', async function () {
      const results = await Promise.all(Array.from({ length: 10 }, () => s.accounts.create(H, 'race', makeCredentials())));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await s.accounts.count(H), 1);
    });

    it('epoch moves with every account change, and not with reads or other data', async function () {
      const e0 = await s.accounts.epoch();
      assert.equal(typeof e0, 'number');
      assert.equal(await s.accounts.create(H, 'alice', makeCredentials()), true);
      const e1 = await s.accounts.epoch();
      assert.notEqual(e1, e0, 'create');
      await s.accounts.get(H, 'alice');
      await s.accounts.list(H);
      await s.accounts.count(H);
      await s.keyValue.set(H, 'alice', 'k', 'v');
      assert.equal(await s.accounts.epoch(), e1, 'reads and other data leave it');
      assert.equal(await s.accounts.setCredentials(H, 'alice', makeCredentials(5000)), true);
      const e2 = await s.accounts.epoch();
      assert.notEqual(e2, e1, 'setCredentials');
      assert.equal(await s.accounts.delete(H, 'alice'), true);
      assert.notEqual(await s.accounts.epoch(), e2, 'delete');
    });

    it('notes every deletion and credential write in order; forgetNotes drops those read', async function () {
      const before = await s.accounts.notesSince(0, 1000);
      const base = before.length > 0 ? before[before.length - 1]!.seq : 0;
      /** The notes after `after`, as kind:user, a run of one kind for one account as one (SQL notes each row). */
      const notedSince = async (after: number, limit = 1000): Promise<string[]> => {
        const out: string[] = [];
        for (const n of await s.accounts.notesSince(after, limit)) {
          assert.equal(n.host, H);
          const text = `${n.kind}:${n.username}`;
          if (out[out.length - 1] !== text) out.push(text);
        }
        return out;
      };
      for (const u of ['dx1', 'dx2', 'dx3']) assert.equal(await s.accounts.create(H, u, makeCredentials()), true);
      assert.deepEqual(await notedSince(base), ['credentials:dx1', 'credentials:dx2', 'credentials:dx3'], 'creating writes credentials');
      await s.accounts.forgetNotes(Number.MAX_SAFE_INTEGER);
      assert.equal(await s.accounts.setCredentials(H, 'dx1', makeCredentials(5000)), true);
      assert.equal(await s.accounts.setCredentials(H, 'nobody', makeCredentials(5000)), false);
      assert.equal(await s.accounts.delete(H, 'dx2'), true);
      assert.equal(await s.accounts.delete(H, 'nobody'), false);
      assert.equal(await s.accounts.delete(H, 'dx1'), true);
      assert.deepEqual(await notedSince(0), ['credentials:dx1', 'deleted:dx2', 'deleted:dx1'], 'failed writes note nothing');
      const notes = await s.accounts.notesSince(0, 1000);
      for (let i = 1; i < notes.length; i++) assert.ok(notes[i]!.seq > notes[i - 1]!.seq, 'numbers grow');
      const deletion = notes.find((n) => n.kind === 'deleted')!;
      assert.deepEqual((await s.accounts.notesSince(0, 1)).map((n) => n.username), ['dx1'], 'limit');
      assert.deepEqual(await notedSince(deletion.seq), ['deleted:dx1'], 'after');
      await s.accounts.forgetNotes(deletion.seq);
      assert.deepEqual(await notedSince(0), ['deleted:dx1'], 'forgotten up to the number given');
      await s.accounts.forgetNotes(Number.MAX_SAFE_INTEGER);
      assert.deepEqual(await s.accounts.notesSince(0, 100), []);
      assert.equal(await s.accounts.delete(H, 'dx3'), true);
      const later = await s.accounts.notesSince(0, 100);
      assert.equal(later.length, 1);
      assert.ok(later[0]!.seq > notes[notes.length - 1]!.seq, 'numbers are not reused after forgetting');
    });

    it('two hosts are isolated: same username, separate credentials, data and deletion', async function () {
      const c1 = makeCredentials(4096);
      const c2 = makeCredentials(5000);
      await s.accounts.create(H, 'alice', c1);
      await s.accounts.create(H2, 'alice', c2);
      await s.keyValue.set(H, 'alice', 'k', 'one');
      await s.keyValue.set(H2, 'alice', 'k', 'two');
      assertSameCredentials((await s.accounts.get(H, 'alice'))!.credentials, c1);
      assertSameCredentials((await s.accounts.get(H2, 'alice'))!.credentials, c2);
      assert.equal(await s.accounts.delete(H, 'alice'), true);
      assert.equal(await s.accounts.get(H, 'alice'), undefined);
      assertSameCredentials((await s.accounts.get(H2, 'alice'))!.credentials, c2);
      assert.equal(await s.keyValue.get(H2, 'alice', 'k'), 'two');
      assert.deepEqual(await s.accounts.list(H2), ['alice']);
    });
  });
}
