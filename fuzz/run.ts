// The long fuzz run: `npm run fuzz -- --seconds 600`. Fuzzes the stream parser, then the whole
// server over real sockets (half the time each with --target all), and prints the iterations,
// the heap, and every failure with the seed that replays it.
//
//   npm run fuzz -- [--seconds N] [--target parser|server|all] [--seed N] [--workers N]
//   npm run fuzz -- --target parser --replay SEED     one parser iteration, with its input
import { parseArgs } from 'node:util';
import { parserIteration } from './parser-target.js';
import { mixSeed } from './rng.js';
import { ServerFuzzer } from './server-target.js';

interface Tally {
  target: string;
  iterations: number;
  seconds: number;
  failures: { seed: number; problem: string }[];
  /** How iterations ended, by kind. */
  outcomes: Map<string, number>;
}

const MB = 1024 * 1024;
const heapMb = (): string => (process.memoryUsage().heapUsed / MB).toFixed(1);

function report(t: Tally): void {
  console.log(`${t.target}: ${t.iterations} iterations in ${t.seconds.toFixed(0)} s (${(t.iterations / t.seconds).toFixed(0)}/s), ${t.failures.length} failures`);
  const kinds = [...t.outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`  outcomes: ${kinds}`);
  for (const f of t.failures.slice(0, 50)) console.log(`  seed ${f.seed}: ${f.problem}`);
}

function progress(t: Tally, started: number, last: { at: number }): void {
  if (Date.now() - last.at < 10_000) return;
  last.at = Date.now();
  console.log(`  ${t.target}: ${t.iterations} iterations, ${t.failures.length} failures, ${((Date.now() - started) / 1000).toFixed(0)} s, heap ${heapMb()} MiB`);
}

async function fuzzParser(runSeed: number, seconds: number): Promise<Tally> {
  const t: Tally = { target: 'parser', iterations: 0, seconds: 0, failures: [], outcomes: new Map() };
  const started = Date.now();
  const last = { at: started };
  while (Date.now() - started < seconds * 1000) {
    // Short synchronous bursts, so that timers (progress) still run.
    for (let k = 0; k < 200; k++) {
      const seed = mixSeed(runSeed, t.iterations++);
      const v = parserIteration(seed);
      if (v.problem) t.failures.push({ seed, problem: v.problem });
      t.outcomes.set(v.outcome, (t.outcomes.get(v.outcome) ?? 0) + 1);
    }
    progress(t, started, last);
    await new Promise((r) => setImmediate(r));
  }
  t.seconds = (Date.now() - started) / 1000;
  return t;
}

async function fuzzServer(runSeed: number, seconds: number, workers: number): Promise<Tally> {
  const fuzzer = await ServerFuzzer.start({ workers });
  const t: Tally = { target: 'server', iterations: 0, seconds: 0, failures: [], outcomes: fuzzer.outcomes };
  const started = Date.now();
  const last = { at: started };
  const worker = async (w: number): Promise<void> => {
    while (Date.now() - started < seconds * 1000) {
      const seed = mixSeed(runSeed ^ 0x5e7e7, t.iterations++);
      const problem = await fuzzer.iteration(w, seed);
      if (problem) t.failures.push({ seed, problem });
      progress(t, started, last);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  } finally {
    await fuzzer.stop();
  }
  t.seconds = (Date.now() - started) / 1000;
  return t;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      target: { type: 'string', default: 'all' },
      seed: { type: 'string' },
      workers: { type: 'string', default: '4' },
      replay: { type: 'string' },
    },
  });
  if (values.replay !== undefined) {
    const v = parserIteration(Number(values.replay));
    console.log(`seed ${values.replay}: ${v.problem ?? 'no problem'}`);
    console.log(`input (${v.input.length} bytes, base64): ${v.input.toString('base64')}`);
    return v.problem ? 1 : 0;
  }
  const seconds = Number(values.seconds);
  const runSeed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 0xffffffff);
  const target = values.target;
  if (!Number.isFinite(seconds) || seconds <= 0 || !['parser', 'server', 'all'].includes(target)) {
    console.error('usage: npm run fuzz -- [--seconds N] [--target parser|server|all] [--seed N] [--workers N] [--replay SEED]');
    return 2;
  }
  console.log(`fuzzing ${target} for ${seconds} s, run seed ${runSeed}, heap ${heapMb()} MiB`);
  const tallies: Tally[] = [];
  const share = target === 'all' ? seconds / 2 : seconds;
  if (target !== 'server') tallies.push(await fuzzParser(runSeed, share));
  if (target !== 'parser') tallies.push(await fuzzServer(runSeed, share, Number(values.workers)));
  console.log(`done; heap ${heapMb()} MiB, resident ${(process.memoryUsage().rss / MB).toFixed(0)} MiB`);
  for (const t of tallies) report(t);
  return tallies.some((t) => t.failures.length > 0) ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
