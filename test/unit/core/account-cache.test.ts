// The account cache (core/account-cache.ts) in front of the real in-memory account store: hits
// read no storage, writes through it drop the entry, a read that races a write never puts back
// what the write replaced, a moved epoch (a write made elsewhere) empties it, and its size holds.
import { strict as assert } from 'node:assert';
import { AccountCache } from '../../../src/core/account-cache.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import type { AccountStore, Storage } from '../../../src/storage/types.js';
import { makeCredentials } from '../../storage/contract/credentials.js';
import { waitFor } from '../../support/sm-peer.js';

const H = 'example.org';

/** The memory store, counting the reads that reach it and able to hold one back. */
function counted(inner: AccountStore): { store: AccountStore; reads: () => number; hold: () => () => void } {
  let reads = 0;
  let gate: Promise<void> | undefined;
  return {
    store: {
      ...inner,
      get: async (host, username) => {
        reads++;
        const r = await inner.get(host, username);
        if (gate) await gate;
        return r;
      },
      epoch: () => inner.epoch(),
    },
    reads: () => reads,
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('account cache (core/account-cache.ts)', function () {
  let storage: Storage;
  beforeEach(async function () {
    storage = createMemoryStorage();
    await storage.accounts.create(H, 'alice', makeCredentials());
    await storage.accounts.create(H, 'bob', makeCredentials());
  });
  afterEach(async function () {
    await storage.close();
  });

  it('answers a second read of an account from memory, and never keeps an unknown one', async function () {
    const c = counted(storage.accounts);
    const cache = new AccountCache(c.store, { size: 10, checkMs: 1000 });
    const accounts = cache.wrap();
    const first = await accounts.get(H, 'alice');
    const second = await accounts.get(H, 'alice');
    assert.ok(first);
    assert.equal(second, first);
    assert.equal(c.reads(), 1);
    assert.equal(await accounts.get(H, 'ghost'), undefined);
    assert.equal(await accounts.get(H, 'ghost'), undefined);
    assert.equal(c.reads(), 3, 'unknown accounts are read every time (one created meanwhile must be found)');
  });

  it('drops an entry at a password change or deletion through it, and serves the new state', async function () {
    const cache = new AccountCache(storage.accounts, { size: 10, checkMs: 1000 });
    const accounts = cache.wrap();
    const before = await accounts.get(H, 'alice');
    const next = makeCredentials(5000);
    assert.equal(await accounts.setCredentials(H, 'alice', next), true);
    const after = await accounts.get(H, 'alice');
    assert.ok(after && before);
    assert.ok(after.credentials.sha1.storedKey.equals(next.sha1.storedKey));
    assert.ok(!after.credentials.sha1.storedKey.equals(before.credentials.sha1.storedKey));
    assert.equal(await accounts.delete(H, 'alice'), true);
    assert.equal(await accounts.get(H, 'alice'), undefined);
  });

  it('does not keep what a read returned when a write went through while it was under way', async function () {
    const c = counted(storage.accounts);
    const cache = new AccountCache(c.store, { size: 10, checkMs: 1000 });
    const accounts = cache.wrap();
    const release = c.hold();
    const stale = accounts.get(H, 'alice');
    const next = makeCredentials(6000);
    await accounts.setCredentials(H, 'alice', next);
    release();
    assert.equal((await stale)?.credentials.sha1.iterations, 4096, 'the racing read saw the old credentials');
    assert.equal((await accounts.get(H, 'alice'))?.credentials.sha1.iterations, 6000, 'but did not keep them');
  });

  it('empties itself when the epoch moved: a change made past it, by another process', async function () {
    const c = counted(storage.accounts);
    const cache = new AccountCache(c.store, { size: 10, checkMs: 1000 });
    const accounts = cache.wrap();
    await cache.check();
    await accounts.get(H, 'alice');
    await cache.check();
    assert.equal(cache.size, 1, 'an unmoved epoch keeps the entries');
    // Straight to the store, as the CLI does on its own connection.
    await storage.accounts.setCredentials(H, 'alice', makeCredentials(7000));
    assert.equal((await accounts.get(H, 'alice'))?.credentials.sha1.iterations, 4096, 'stale until the next check');
    await cache.check();
    assert.equal(cache.size, 0);
    assert.equal((await accounts.get(H, 'alice'))?.credentials.sha1.iterations, 7000);
  });

  it('empties itself and reports when the epoch cannot be read', async function () {
    const errors: unknown[] = [];
    const failing: AccountStore = { ...storage.accounts, epoch: () => Promise.reject(new Error('database gone')) };
    const cache = new AccountCache(failing, { size: 10, checkMs: 1000, onCheckError: (e) => errors.push(e) });
    await cache.wrap().get(H, 'alice');
    assert.equal(cache.size, 1);
    await cache.check();
    assert.equal(cache.size, 0);
    assert.equal(errors.length, 1);
  });

  it('keeps at most `size` accounts, dropping the least recently used; size 0 keeps none', async function () {
    await storage.accounts.create(H, 'carol', makeCredentials());
    const c = counted(storage.accounts);
    const cache = new AccountCache(c.store, { size: 2, checkMs: 1000 });
    const accounts = cache.wrap();
    await accounts.get(H, 'alice');
    await accounts.get(H, 'bob');
    await accounts.get(H, 'alice'); // alice is now the most recently used
    await accounts.get(H, 'carol'); // evicts bob
    assert.equal(cache.size, 2);
    const reads = c.reads();
    await accounts.get(H, 'alice');
    await accounts.get(H, 'carol');
    assert.equal(c.reads(), reads, 'alice and carol were kept');
    await accounts.get(H, 'bob');
    assert.equal(c.reads(), reads + 1, 'bob was dropped');

    const off = counted(storage.accounts);
    const none = new AccountCache(off.store, { size: 0, checkMs: 1000 }).wrap();
    await none.get(H, 'alice');
    await none.get(H, 'alice');
    assert.equal(off.reads(), 2);
  });

  it('tells onChange at the first reading and whenever the epoch moved, even when off', async function () {
    let changes = 0;
    const cache = new AccountCache(storage.accounts, { size: 0, checkMs: 60_000, onChange: () => changes++ });
    cache.start();
    try {
      // The start's own reading is under way (check() while it runs returns at once): let it end.
      await new Promise((r) => setImmediate(r));
      assert.equal(changes, 1, 'first reading');
      await cache.check();
      assert.equal(changes, 1, 'unchanged');
      assert.equal(await storage.accounts.delete(H, 'bob'), true);
      await cache.check();
      assert.equal(changes, 2, 'a deletion made past the cache');
    } finally {
      cache.stop();
    }
    assert.equal(await storage.accounts.delete(H, 'alice'), true);
    await cache.check();
    assert.equal(changes, 2, 'nothing after stop');
  });

  it('polls the epoch by itself every checkMs, even when off', async function () {
    let changes = 0;
    const cache = new AccountCache(storage.accounts, { size: 0, checkMs: 10, onChange: () => changes++ });
    cache.start();
    try {
      await waitFor(() => changes === 1, 'the first reading');
      assert.equal(await storage.accounts.delete(H, 'bob'), true);
      await waitFor(() => changes === 2, 'a poll that sees the deletion', 2_000);
    } finally {
      cache.stop();
    }
  });
});
