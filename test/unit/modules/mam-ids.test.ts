// Archive ids (XEP-0313 §3, §6.2; XEP-0359 §3): unique, unpredictable, and ordered like the
// messages, so time bounds and paging are id comparisons.
import assert from 'node:assert/strict';
import { ARCHIVE_ID_LENGTH, ArchiveIds, idTime, timeBound } from '../../../src/modules/mam/ids.js';

const T = Date.UTC(2025, 5, 1, 10, 0, 0, 123);

describe('modules/mam ids', () => {
  it('are 21 URL-safe characters carrying the archiving time', () => {
    const { id, at } = new ArchiveIds().next(T);
    assert.equal(id.length, ARCHIVE_ID_LENGTH);
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.equal(at, T);
    assert.equal(idTime(id), T);
    assert.equal(idTime('not-an-id'), undefined);
  });

  it('grow with every id, within one millisecond and when the clock steps back (§3.1 order)', () => {
    const gen = new ArchiveIds();
    const times = [T, T, T, T + 1, T - 5000, T - 5000, T + 2];
    const made = times.map((t) => gen.next(t));
    for (let i = 1; i < made.length; i++) assert.ok(made[i]!.id > made[i - 1]!.id, `id ${i} sorts after id ${i - 1}`);
    assert.deepEqual(made.map((m) => m.at), [T, T, T, T + 1, T + 1, T + 1, T + 2], 'a step back keeps the last time');
  });

  it('move to the next millisecond when one millisecond runs out of counter values', () => {
    const gen = new ArchiveIds();
    let prev = '';
    let last = 0;
    for (let i = 0; i < 5000; i++) {
      const { id, at } = gen.next(T);
      assert.ok(id > prev);
      prev = id;
      last = at;
    }
    assert.equal(last, T + 1);
  });

  it('are unpredictable: the random part differs between ids of one millisecond (XEP-0359 §3)', () => {
    const gen = new ArchiveIds();
    const tails = new Set(Array.from({ length: 1000 }, () => gen.next(T).id.slice(10)));
    assert.equal(tails.size, 1000);
  });

  it('sort against time bounds: ids of messages at or after t are above timeBound(t), earlier ones below', () => {
    const gen = new ArchiveIds();
    const before = gen.next(T - 1).id;
    const at = gen.next(T).id;
    const after = gen.next(T + 1).id;
    assert.ok(before < timeBound(T) && timeBound(T) < at && at < timeBound(T + 1) && timeBound(T + 1) < after);
    assert.equal(timeBound(-50), '--------', 'times before the epoch clamp to the first bound');
    assert.ok(timeBound(Number.MAX_SAFE_INTEGER) > timeBound(T));
  });
});
