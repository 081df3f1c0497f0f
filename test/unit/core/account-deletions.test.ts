// The deletion watch (core/account-deletions.ts) over the real in-memory account store: a
// deletion made behind the server's back is handed on once, one made through the wrapped store
// (in-band) is not, an account created again before the check is handed on with the time it
// was created again (the server ends only the sessions from before it), a failing handler
// is reported and not retried, and notes from before the start are dropped.
import { strict as assert } from 'node:assert';
import { DeletionWatch, type DeletedAccount } from '../../../src/core/account-deletions.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { makeCredentials } from '../../storage/contract/credentials.js';

const H = 'example.org';

describe('account deletion watch (core/account-deletions.ts)', function () {
  let storage: Storage;
  let acted: string[];
  let handed: DeletedAccount[];
  let errors: unknown[];
  let fail: boolean;
  let watch: DeletionWatch;

  beforeEach(async function () {
    storage = createMemoryStorage();
    acted = [];
    handed = [];
    errors = [];
    fail = false;
    for (const u of ['a', 'b', 'c', 'old']) await storage.accounts.create(H, u, makeCredentials());
    // Deleted before the server started: nothing to act upon.
    await storage.accounts.delete(H, 'old');
    watch = new DeletionWatch(storage.accounts, {
      onDeleted: (d: DeletedAccount) => {
        if (fail) throw new Error('handler broke');
        acted.push(`${d.username}@${d.host}`);
        handed.push(d);
      },
      onError: (err) => errors.push(err),
    });
    await watch.forgetOld();
  });

  afterEach(async function () {
    await watch.stop();
    await storage.close();
  });

  it('acts once on a deletion made elsewhere, and drops the notes it read', async function () {
    await storage.accounts.delete(H, 'a');
    await watch.check();
    assert.deepEqual(acted, ['a@example.org']);
    assert.deepEqual(await storage.accounts.deletedSince(0, 10), [], 'notes removed');
    await watch.check();
    assert.deepEqual(acted, ['a@example.org'], 'not twice');
    assert.deepEqual(errors, []);
  });

  it('skips deletions made through the wrapped store (the in-band path acted already)', async function () {
    const own = watch.wrap(storage.accounts);
    assert.equal(await own.delete(H, 'a'), true);
    assert.equal(await own.delete(H, 'nobody'), false);
    await storage.accounts.delete(H, 'b');
    await watch.check();
    assert.deepEqual(acted, ['b@example.org']);
    // A later deletion of the same name made elsewhere is acted upon: the mark was used up.
    await storage.accounts.create(H, 'a', makeCredentials());
    await storage.accounts.delete(H, 'a');
    await watch.check();
    assert.deepEqual(acted, ['b@example.org', 'a@example.org']);
  });

  it('hands on an account that exists again by the time of the check with the time it was created again', async function () {
    await storage.accounts.delete(H, 'c');
    await storage.accounts.create(H, 'c', makeCredentials());
    const created = (await storage.accounts.get(H, 'c'))!.createdAt;
    await storage.accounts.delete(H, 'a');
    await watch.check();
    assert.deepEqual(acted, ['c@example.org', 'a@example.org']);
    assert.equal(handed[0]!.recreatedAt?.getTime(), created.getTime());
    assert.equal(handed[1]!.recreatedAt, undefined, 'still gone: no time');
  });

  it('reports a failing handler and goes on with the next deletion, without retrying', async function () {
    fail = true;
    await storage.accounts.delete(H, 'a');
    await watch.check();
    fail = false;
    await storage.accounts.delete(H, 'b');
    await watch.check();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /handler broke/);
    assert.deepEqual(acted, ['b@example.org']);
  });

  it('does nothing after stop', async function () {
    await watch.stop();
    await storage.accounts.delete(H, 'a');
    await watch.check();
    assert.deepEqual(acted, []);
  });
});
