// The account note watch (core/account-notes.ts) over the real in-memory account store: a
// deletion or a credential change made behind the server's back is handed on once with the
// account's credentials now, a deletion made through the wrapped store (in-band) is not, an
// account created again before the check is handed on with its new credentials, credential
// notes of accounts without sessions need no read, a failing handler is reported and not
// retried, and notes from before the start are dropped.
import { strict as assert } from 'node:assert';
import { AccountNoteWatch, credentialStamp } from '../../../src/core/account-notes.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import type { AccountNote, Credentials, Storage } from '../../../src/storage/types.js';
import { makeCredentials } from '../../storage/contract/credentials.js';

const H = 'example.org';

describe('account note watch (core/account-notes.ts)', function () {
  let storage: Storage;
  let acted: string[];
  let handed: { note: AccountNote; current: Credentials | undefined }[];
  let errors: unknown[];
  let fail: boolean;
  let online: Set<string>;
  let views: number;
  let watch: AccountNoteWatch;

  beforeEach(async function () {
    storage = createMemoryStorage();
    acted = [];
    handed = [];
    errors = [];
    fail = false;
    online = new Set(['a', 'b', 'c']);
    views = 0;
    for (const u of ['a', 'b', 'c', 'old']) await storage.accounts.create(H, u, makeCredentials());
    // Deleted before the server started: nothing to act upon.
    await storage.accounts.delete(H, 'old');
    watch = new AccountNoteWatch(storage.accounts, {
      onNote: (note, current) => {
        if (fail) throw new Error('handler broke');
        acted.push(`${note.kind}:${note.username}`);
        handed.push({ note, current });
      },
      view: () => {
        views++;
        return { online: (host: string, username: string) => host === H && online.has(username) };
      },
      onError: (err: unknown) => errors.push(err),
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
    assert.deepEqual(acted, ['deleted:a']);
    assert.equal(handed[0]!.current, undefined, 'gone: no credentials');
    assert.deepEqual(await storage.accounts.notesSince(0, 10), [], 'notes removed');
    await watch.check();
    assert.deepEqual(acted, ['deleted:a'], 'not twice');
    assert.deepEqual(errors, []);
  });

  it('hands on a credential change with the new credentials, only for accounts with sessions', async function () {
    const fresh = makeCredentials(5000);
    await storage.accounts.setCredentials(H, 'b', fresh);
    await storage.accounts.setCredentials(H, 'b', fresh);
    online.delete('c');
    await storage.accounts.setCredentials(H, 'c', makeCredentials(5000));
    await storage.accounts.create(H, 'newcomer', makeCredentials());
    await watch.check();
    // Notes of one account read in one check are one act (the credentials it has now decide).
    assert.deepEqual(acted, ['credentials:b']);
    assert.equal(credentialStamp(handed[0]!.current!), credentialStamp(fresh));
    assert.equal(views, 1, 'who is online is looked at once per batch');
    assert.deepEqual(await storage.accounts.notesSince(0, 10), [], 'the skipped notes are removed too');
  });

  it('skips deletions made through the wrapped store (the in-band path acted already)', async function () {
    const own = watch.wrap(storage.accounts);
    assert.equal(await own.delete(H, 'a'), true);
    assert.equal(await own.delete(H, 'nobody'), false);
    await watch.check();
    assert.equal(views, 0, 'nothing to act upon: no look at who is online');
    await storage.accounts.delete(H, 'b');
    await watch.check();
    assert.deepEqual(acted, ['deleted:b']);
    // A later deletion of the same name made elsewhere is acted upon: the mark was used up.
    await storage.accounts.create(H, 'a', makeCredentials());
    await storage.accounts.delete(H, 'a');
    await watch.check();
    assert.deepEqual(acted, ['deleted:b', 'deleted:a'], 'created and deleted again before the check: one deletion');
  });

  it('hands on an account that exists again by the time of the check with its new credentials', async function () {
    await storage.accounts.delete(H, 'c');
    const again = makeCredentials(5000);
    await storage.accounts.create(H, 'c', again);
    await storage.accounts.delete(H, 'a');
    await watch.check();
    // Its deletion and its new credentials, one act: a deletion.
    assert.deepEqual(acted, ['deleted:c', 'deleted:a']);
    assert.equal(credentialStamp(handed[0]!.current!), credentialStamp(again), 'the deletion comes with the new credentials');
    assert.equal(handed[1]!.current, undefined, 'still gone');
  });

  it('a credential note read with a later deletion of the account is that deletion', async function () {
    await storage.accounts.setCredentials(H, 'b', makeCredentials(5000));
    await storage.accounts.delete(H, 'b');
    await watch.check();
    assert.deepEqual(acted, ['deleted:b']);
  });

  it('a failed read of the account leaves the notes for the next check', async function () {
    const get = storage.accounts.get;
    storage.accounts.get = async () => {
      throw new Error('database away');
    };
    await storage.accounts.setCredentials(H, 'b', makeCredentials(5000));
    await watch.check();
    assert.deepEqual(acted, []);
    assert.equal(errors.length, 1);
    storage.accounts.get = get;
    await watch.check();
    assert.deepEqual(acted, ['credentials:b']);
  });

  it('reports a failing handler and goes on with the next note, without retrying', async function () {
    fail = true;
    await storage.accounts.delete(H, 'a');
    await watch.check();
    fail = false;
    await storage.accounts.delete(H, 'b');
    await watch.check();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /handler broke/);
    assert.deepEqual(acted, ['deleted:b']);
  });

  it('does nothing after stop', async function () {
    await watch.stop();
    await storage.accounts.delete(H, 'a');
    await watch.check();
    assert.deepEqual(acted, []);
  });
});

describe('credentialStamp', function () {
  it('is the same for the same credentials and differs for new ones', function () {
    const one = makeCredentials();
    const copy: Credentials = {
      sha1: { ...one.sha1, storedKey: Buffer.from(one.sha1.storedKey) },
      sha256: { ...one.sha256, storedKey: Buffer.from(one.sha256.storedKey) },
    };
    assert.equal(credentialStamp(copy), credentialStamp(one));
    assert.notEqual(credentialStamp(makeCredentials()), credentialStamp(one));
    // Either hash's key alone changing changes the stamp.
    const sha1Only: Credentials = { ...one, sha1: makeCredentials().sha1 };
    assert.notEqual(credentialStamp(sha1Only), credentialStamp(one));
    const stamp = credentialStamp(one);
    assert.ok(Number.isSafeInteger(stamp) && stamp >= 0 && stamp < 2 ** 48);
  });
});
