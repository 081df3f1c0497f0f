// Seeded fuzzing of the running server over real sockets (fuzz/server-target.ts): logged-in
// clients send mutated valid stanzas (byte mutations, and well-formed tree mutations that reach
// the router and the modules), fresh connections mutated pre-authentication streams; after each
// input the server must still answer a bystander's ping, log no error and send no
// internal-server-error. A short, fixed run; `npm run fuzz` runs it for minutes.
import assert from 'node:assert/strict';
import { ServerFuzzer } from '../../fuzz/server-target.js';
import { mixSeed } from '../../fuzz/rng.js';
import { watchHeap } from '../support/hostile.js';

const RUN_SEED = Number(process.env.FUZZ_SEED ?? 0x5e7e7);
const WORKERS = 2;
const PER_WORKER = 40;

describe('server fuzzing over real sockets (seeded)', () => {
  let fuzzer: ServerFuzzer;
  before(async () => {
    fuzzer = await ServerFuzzer.start({ workers: WORKERS });
  });
  after(() => fuzzer.stop());

  it(`${WORKERS * PER_WORKER} mutated client streams: the server stays up, answers the bystander, logs no error`, async () => {
    const heap = watchHeap();
    const failures: string[] = [];
    await Promise.all(Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = 0; i < PER_WORKER; i++) {
        const seed = mixSeed(RUN_SEED, w * PER_WORKER + i);
        const problem = await fuzzer.iteration(w, seed);
        if (problem) failures.push(`seed ${seed}: ${problem}`);
      }
    }));
    const { retainedMb } = heap.stop();
    assert.deepEqual(failures, []);
    const outcomes = fuzzer.outcomes;
    assert.ok((outcomes.get('answered') ?? 0) > 0, 'some mutated streams are served to the end');
    assert.ok([...outcomes.keys()].some((k) => k !== 'answered' && k !== 'silent'), 'some end in a stream error');
    assert.ok(retainedMb < 16, `heap retained +${retainedMb.toFixed(1)} MiB`);
  });
});
