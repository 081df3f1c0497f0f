// Blocklists in memory (XEP-0191 enforcement on the hot path): loaded once on first need, kept
// while the account is online, bounded for accounts without sessions, never caching failures.
import assert from 'node:assert/strict';
import { BlocklistCache } from '../../../src/modules/blocking/cache.js';
import { BlockSet } from '../../../src/modules/blocking/rules.js';

function fakeStore(lists: Record<string, string[]>) {
  const loads: string[] = [];
  let fail = false;
  return {
    loads,
    failNext: () => {
      fail = true;
    },
    load: async (user: string) => {
      loads.push(user);
      await Promise.resolve();
      if (fail) {
        fail = false;
        throw new Error('storage down');
      }
      return lists[user] ?? [];
    },
  };
}

describe('modules/blocking cache', () => {
  it('loads a list once, then answers synchronously', async () => {
    const store = fakeStore({ alice: ['bob@x'] });
    const cache = new BlocklistCache(store.load, 10);
    const first = cache.get('alice');
    assert.ok(first instanceof Promise);
    const again = cache.get('alice');
    assert.equal(again, first, 'a second check while loading shares the load');
    assert.deepEqual((await first).list(), ['bob@x']);
    const sync = cache.get('alice');
    assert.ok(sync instanceof BlockSet);
    assert.deepEqual(store.loads, ['alice']);
  });

  it('keeps pinned (online) lists beyond the capacity and drops them to the cache on unpin', async () => {
    const store = fakeStore({});
    const cache = new BlocklistCache(store.load, 1);
    cache.pin('alice');
    cache.pin('bob');
    await cache.get('alice');
    await cache.get('bob');
    await cache.get('carol');
    await cache.get('dave');
    assert.deepEqual(cache.size, { pinned: 2, recent: 1 });
    cache.unpin('alice');
    assert.deepEqual(cache.size, { pinned: 1, recent: 1 }, 'alice replaced dave, the capacity being 1');
    assert.ok(cache.get('alice') instanceof BlockSet);
    assert.ok(cache.get('dave') instanceof Promise);
  });

  it('evicts the least recently used list of accounts without sessions', async () => {
    const store = fakeStore({});
    const cache = new BlocklistCache(store.load, 2);
    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // a is now the most recent
    await cache.get('c'); // evicts b
    store.loads.length = 0;
    assert.ok(cache.get('a') instanceof BlockSet);
    assert.ok(cache.get('c') instanceof BlockSet);
    await cache.get('b');
    assert.deepEqual(store.loads, ['b']);
  });

  it('with capacity 0 keeps no list of an account without sessions', async () => {
    const store = fakeStore({});
    const cache = new BlocklistCache(store.load, 0);
    await cache.get('a');
    await cache.get('a');
    assert.deepEqual(store.loads, ['a', 'a']);
  });

  it('applies updates to a loaded list and ignores lists not in memory', async () => {
    const store = fakeStore({ alice: ['x@y'] });
    const cache = new BlocklistCache(store.load, 10);
    cache.pin('alice');
    await cache.get('alice');
    cache.update('alice', (s) => s.add('z@y'));
    cache.update('nobody', (s) => s.add('z@y'));
    assert.deepEqual((cache.get('alice') as BlockSet).list(), ['x@y', 'z@y']);
    const nobody = cache.get('nobody');
    assert.ok(nobody instanceof Promise, 'no list was made for an account not in memory');
    assert.deepEqual((await nobody).list(), [], 'and the one loaded is what storage holds');
    assert.deepEqual(store.loads, ['alice', 'nobody']);
    cache.forget('alice');
    assert.ok(cache.get('alice') instanceof Promise);
  });

  it('does not cache a failed load', async () => {
    const store = fakeStore({ alice: ['x@y'] });
    const cache = new BlocklistCache(store.load, 10);
    store.failNext();
    await assert.rejects(async () => cache.get('alice'), /storage down/);
    assert.deepEqual((await cache.get('alice')).list(), ['x@y']);
  });
});
