// The per-account queue that keeps storing and delivering from interleaving (XEP-0160 §2: each
// stored message goes to exactly one resource).
import assert from 'node:assert/strict';
import { KeyedQueue } from '../../../src/util/keyed-queue.js';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('modules/offline: KeyedQueue', () => {
  it('runs tasks of one key one after the other, in order', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async (): Promise<string> => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([q.run('a', task('1', 20)), q.run('a', task('2', 1)), q.run('a', task('3', 5))]);
    assert.deepEqual(results, ['1', '2', '3']);
    assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('runs tasks of different keys concurrently', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    await Promise.all([
      q.run('a', async () => { log.push('a start'); await tick(20); log.push('a end'); }),
      q.run('b', async () => { log.push('b start'); await tick(1); log.push('b end'); }),
    ]);
    assert.deepEqual(log, ['a start', 'b start', 'b end', 'a end']);
  });

  it('passes a failure to its caller only, and goes on with the next task', async () => {
    const q = new KeyedQueue();
    const failing = q.run('a', () => Promise.reject(new Error('boom')));
    const next = q.run('a', () => Promise.resolve('ok'));
    await assert.rejects(failing, /boom/);
    assert.equal(await next, 'ok');
  });

  it('forgets a key once its tasks are done', async () => {
    const q = new KeyedQueue();
    await q.run('a', () => Promise.resolve());
    await tick(1);
    assert.equal(q.size, 0);
  });
});
