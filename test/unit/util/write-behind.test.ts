// The archive's write-behind buffer: batches by size or delay, one write at a time in order,
// flush() as the durability barrier (queries, stream management acks, shutdown), failures
// reported and not swallowed by the barrier, rows of a deleted account dropped.
import assert from 'node:assert/strict';
import { WriteBehind, type Schedule } from '../../../src/util/write-behind.js';

/** A schedule the test fires by hand. */
function manualClock() {
  const due: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const schedule: Schedule = (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    due.push(t);
    return () => {
      t.cancelled = true;
    };
  };
  const fire = (): void => {
    for (const t of due.splice(0)) if (!t.cancelled) t.fn();
  };
  return { schedule, fire, pending: () => due.filter((t) => !t.cancelled).length, delays: () => due.map((t) => t.ms) };
}

function recorder(fail?: (rows: number[]) => boolean) {
  const batches: number[][] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const write = async (rows: number[]): Promise<void> => {
    if (hold) await new Promise<void>((r) => (release = r));
    if (fail?.(rows)) throw new Error('disk full');
    batches.push(rows);
  };
  return { batches, write, holdNext: () => (hold = true), release: () => { hold = false; release?.(); } };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('modules/mam write-behind buffer', () => {
  it('writes a batch as soon as it is full, without waiting for the delay', async () => {
    const clock = manualClock();
    const rec = recorder();
    const w = new WriteBehind(rec.write, { batch: 3, delayMs: 50 }, clock.schedule, () => undefined);
    for (const n of [1, 2, 3, 4]) w.add(n);
    await tick();
    assert.deepEqual(rec.batches, [[1, 2, 3]]);
    assert.equal(w.pending, 1);
  });

  it('writes a partial batch when its delay passes', async () => {
    const clock = manualClock();
    const rec = recorder();
    const w = new WriteBehind(rec.write, { batch: 100, delayMs: 7 }, clock.schedule, () => undefined);
    w.add(1);
    w.add(2);
    assert.deepEqual(clock.delays(), [7], 'one timer for the batch');
    assert.deepEqual(rec.batches, [], 'nothing written before the delay');
    clock.fire();
    await tick();
    assert.deepEqual(rec.batches, [[1, 2]]);
  });

  it('flush() resolves once everything added before it is written, in order, one batch at a time', async () => {
    const clock = manualClock();
    const rec = recorder();
    const w = new WriteBehind(rec.write, { batch: 2, delayMs: 50 }, clock.schedule, () => undefined);
    rec.holdNext();
    w.add(1);
    w.add(2); // a full batch: its write starts and is held
    w.add(3);
    let done = false;
    const barrier = w.flush().then(() => (done = true));
    await tick();
    assert.equal(done, false, 'waits for the held batch');
    assert.deepEqual(rec.batches, []);
    rec.release();
    await barrier;
    assert.deepEqual(rec.batches, [[1, 2], [3]]);
    assert.equal(clock.pending(), 0, 'the timer was cancelled');
    await w.flush(); // nothing queued, nothing running: resolves at once
  });

  it('a failed batch rejects the flush that waits for it and is reported; later batches still go', async () => {
    const clock = manualClock();
    const errors: number[] = [];
    const rec = recorder((rows) => rows.includes(13));
    const w = new WriteBehind(rec.write, { batch: 10, delayMs: 5 }, clock.schedule, (_err, rows) => errors.push(rows));
    w.add(12);
    w.add(13);
    await assert.rejects(w.flush(), /disk full/);
    await tick();
    assert.deepEqual(errors, [2]);
    w.add(14);
    await w.flush();
    assert.deepEqual(rec.batches, [[14]]);
  });

  it('drops queued rows that match, e.g. those of a deleted account', async () => {
    const rec = recorder();
    const w = new WriteBehind(rec.write, { batch: 10, delayMs: 5 }, manualClock().schedule, () => undefined);
    for (const n of [1, 2, 3, 4]) w.add(n);
    w.drop((n) => n % 2 === 0);
    await w.flush();
    assert.deepEqual(rec.batches, [[1, 3]]);
  });
});
