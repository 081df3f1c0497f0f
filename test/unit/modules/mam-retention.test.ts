// Retention (XEP-0313 §3.2): the max_age option, how often the purge runs, and a run that
// deletes in bounded batches and never overlaps itself.
import assert from 'node:assert/strict';
import { durationMs, PURGE_BATCH, PURGE_ROUNDS, purgeEvery, Retention } from '../../../src/modules/mam/retention.js';
import { mamOptions } from '../../../src/modules/mam/options.js';

describe('modules/mam retention', () => {
  it('reads durations with units s, m, h, d and w; 0 keeps forever', () => {
    assert.equal(durationMs(0), 0);
    assert.equal(durationMs('90s'), 90_000);
    assert.equal(durationMs('30m'), 1_800_000);
    assert.equal(durationMs('12h'), 43_200_000);
    assert.equal(durationMs('30d'), 30 * 86_400_000);
    assert.equal(durationMs('2w'), 14 * 86_400_000);
  });

  it('the option accepts 0 or a duration and refuses anything else', () => {
    assert.equal(mamOptions.parse({}).max_age, 0);
    assert.equal(mamOptions.parse({ max_age: '30d' }).max_age, '30d');
    for (const bad of ['30', '30 d', '0d', '1y', 30, '-1d', '']) assert.equal(mamOptions.safeParse({ max_age: bad }).success, false, String(bad));
  });

  it('purges every quarter of max_age, between a second and an hour', () => {
    assert.equal(purgeEvery(2000), 1000);
    assert.equal(purgeEvery(60_000), 15_000);
    assert.equal(purgeEvery(30 * 86_400_000), 3_600_000);
  });

  it('a run deletes batch after batch until one is short, before now - max_age', async () => {
    const calls: [number, number][] = [];
    let left = 2 * PURGE_BATCH + 5;
    const r = new Retention(async (before, limit) => {
      calls.push([before.getTime(), limit]);
      const n = Math.min(left, limit);
      left -= n;
      return n;
    }, 60_000);
    assert.equal(await r.run(1_000_000), 2 * PURGE_BATCH + 5);
    assert.deepEqual(calls, [[940_000, PURGE_BATCH], [940_000, PURGE_BATCH], [940_000, PURGE_BATCH]]);
  });

  it('a run stops after a bounded number of batches, and runs never overlap', async () => {
    let calls = 0;
    const r = new Retention(async () => {
      calls++;
      await new Promise((res) => setImmediate(res));
      return PURGE_BATCH;
    }, 1000);
    const [a, b] = await Promise.all([r.run(), r.run()]);
    assert.equal(a, PURGE_ROUNDS * PURGE_BATCH);
    assert.equal(b, 0, 'the second run found the first one busy');
    assert.equal(calls, PURGE_ROUNDS);
  });
});
