// Roster version strings (XEP-0237, RFC 6121 §2.6) and the per-account lock of the roster module.
import assert from 'node:assert/strict';
import { EpochCache, epochOf, formatVer, parseVer } from '../../../src/modules/roster/version.js';
import { KeyedQueue as KeyedLock } from '../../../src/util/keyed-queue.js';

describe('roster: versions (XEP-0237 §2.2)', () => {
  it('reads back the version it wrote, in the same epoch only', () => {
    assert.equal(parseVer(formatVer('abc', 42), 'abc'), 42);
    assert.equal(parseVer(formatVer('abc', 0), 'abc'), 0);
    assert.equal(parseVer(formatVer('abc', 42), 'abd'), undefined);
  });

  it('takes an empty, foreign or malformed ver as unknown (the client gets the full roster)', () => {
    for (const v of ['', '42', '-42', 'abc-', 'abc-x', 'abc-1.5', 'abc-+1', `abc-${'9'.repeat(16)}`]) assert.equal(parseVer(v, 'abc'), undefined, v);
  });

  it('derives the epoch from the account\'s creation time, "0" for a gone account', () => {
    assert.equal(epochOf(new Date(36)), '10');
    assert.equal(epochOf(undefined), '0');
  });

  it('caches epochs of live accounts only, until forgotten', async () => {
    let reads = 0;
    const cache = new EpochCache(async (u) => {
      reads++;
      return u === 'gone' ? undefined : new Date(35);
    });
    assert.equal(await cache.get('alice'), 'z');
    assert.equal(cache.get('alice'), 'z'); // synchronous once known
    assert.equal(await cache.get('gone'), '0');
    assert.equal(await cache.get('gone'), '0');
    assert.equal(reads, 3);
    cache.forget('alice');
    await cache.get('alice');
    assert.equal(reads, 4);
  });
});

describe('roster: one change at a time per account', () => {
  it('runs calls for one key in order, those for other keys alongside, and survives failures', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    };
    const a1 = lock.run('a', step('a1', 30, true));
    const a2 = lock.run('a', step('a2', 1));
    const b1 = lock.run('b', step('b1', 1));
    await assert.rejects(a1, /a1/);
    assert.equal(await a2, 'a2');
    assert.equal(await b1, 'b1');
    assert.deepEqual(log.filter((l) => l.startsWith('a')), ['a1+', 'a1-', 'a2+', 'a2-']);
    assert.ok(log.indexOf('b1-') < log.indexOf('a1-'), 'another key does not wait');
    await new Promise((r) => setImmediate(r));
    assert.equal(lock.size, 0, 'nothing is kept once done');
  });
});
