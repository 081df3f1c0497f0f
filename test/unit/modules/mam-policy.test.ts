// Archiving policies in memory (XEP-0441 preferences and roster, per account): loaded once,
// kept while the account is online, bounded for the others, reloaded after a change, and a
// failed load never cached.
import assert from 'node:assert/strict';
import { PolicyCache, type Policy } from '../../../src/modules/mam/policy.js';

function loader() {
  const loads: string[] = [];
  let fail = false;
  return {
    loads,
    failNext: () => (fail = true),
    load: async (user: string): Promise<Policy> => {
      loads.push(user);
      await Promise.resolve();
      if (fail) {
        fail = false;
        throw new Error('storage down');
      }
      return { exists: user !== 'ghost', prefs: { default: 'always', always: [], never: [] }, roster: undefined };
    },
  };
}

describe('modules/mam policy cache', () => {
  it('loads once, then answers synchronously', async () => {
    const l = loader();
    const cache = new PolicyCache(l.load, 10);
    const first = cache.get('alice');
    assert.ok(first instanceof Promise);
    assert.equal((await first).exists, true);
    const again = cache.get('alice');
    assert.ok(!(again instanceof Promise));
    assert.deepEqual(l.loads, ['alice']);
    assert.equal((await cache.get('ghost')).exists, false);
    // Not remembered: the account may be created at any moment (the CLI tells no module).
    assert.ok(cache.get('ghost') instanceof Promise, 'a missing account is read again');
    assert.deepEqual(l.loads, ['alice', 'ghost', 'ghost']);
  });

  it('keeps online accounts whatever the capacity; evicts the least recently used others', async () => {
    const l = loader();
    const cache = new PolicyCache(l.load, 2);
    cache.pin('online');
    for (const u of ['online', 'a', 'b']) await cache.get(u);
    cache.get('a'); // a is now more recent than b
    await cache.get('c');
    assert.deepEqual(cache.size, { pinned: 1, recent: 2 });
    cache.get('online');
    cache.get('a');
    assert.ok(cache.get('b') instanceof Promise, 'b was evicted');
    assert.deepEqual(l.loads, ['online', 'a', 'b', 'c', 'b']);
  });

  it('an account going offline becomes an ordinary entry; forget drops it', async () => {
    const l = loader();
    const cache = new PolicyCache(l.load, 5);
    cache.pin('alice');
    await cache.get('alice');
    cache.unpin('alice');
    assert.deepEqual(cache.size, { pinned: 0, recent: 1 });
    cache.forget('alice');
    assert.deepEqual(cache.size, { pinned: 0, recent: 0 });
    assert.ok(cache.get('alice') instanceof Promise);
  });

  it('a load that was forgotten while in flight answers its caller but is not kept', async () => {
    const l = loader();
    const cache = new PolicyCache(l.load, 5);
    const p = cache.get('alice');
    cache.forget('alice');
    await p;
    assert.deepEqual(cache.size, { pinned: 0, recent: 0 });
  });

  it('a failed load is not cached: the next message tries again', async () => {
    const l = loader();
    const cache = new PolicyCache(l.load, 5);
    l.failNext();
    await assert.rejects(Promise.resolve(cache.get('alice')), /storage down/);
    assert.equal((await cache.get('alice')).exists, true);
    assert.deepEqual(l.loads, ['alice', 'alice']);
  });

  it('with capacity 0 keeps only online accounts', async () => {
    const l = loader();
    const cache = new PolicyCache(l.load, 0);
    await cache.get('x');
    assert.ok(cache.get('x') instanceof Promise, 'an offline account is not kept');
    await cache.get('x');
    cache.pin('y');
    await cache.get('y');
    assert.ok(!(cache.get('y') instanceof Promise), 'an online account is kept');
    assert.deepEqual(cache.size, { pinned: 1, recent: 0 });
    assert.deepEqual(l.loads, ['x', 'x', 'x', 'y']);
  });
});
