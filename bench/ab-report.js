// The lines bench/ab.sh prints: one per run, then the medians over the runs.
//   node bench/ab-report.js run <runs.jsonl> <run> <first> <base.jsonl> <test.jsonl> <base ticks> <test ticks>
//   node bench/ab-report.js summary <runs.jsonl>
// A run's figures: each build's server CPU per measured login (the harness driver's CpuMeter,
// milliseconds), the test build's over the base build's, and the same ratio for the /proc CPU
// ticks of the whole run (untimed logins included). A run in which either driver failed is
// reported and left out of the medians.
import fs from 'node:fs';
import { median } from './stats.js';

const [mode, runsFile, ...args] = process.argv.slice(2);

/** The driver's result line in `file`: the last line, or undefined. */
function result(file) {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    return undefined;
  }
}

const f3 = (x) => x.toFixed(3);

if (mode === 'run') {
  const [run, first, baseFile, testFile, baseTicks, testTicks] = args;
  const sides = { base: result(baseFile), test: result(testFile) };
  const figures = {};
  for (const [side, r] of Object.entries(sides)) {
    const m = r?.metrics;
    if (!r?.ok || !m?.cpu || !(m.binds_ok > 0)) {
      console.log(`run ${run}: the ${side} driver failed (${r?.error ?? 'no result line'}); run left out`);
      process.exit(0);
    }
    figures[side] = { ms: (m.cpu.server_cpu_s * 1000) / m.binds_ok, rate: m.logins_per_s, driver: m.cpu.driver_cpu_pct };
  }
  const ratio = figures.test.ms / figures.base.ms;
  const ticks = Number(testTicks) / Number(baseTicks);
  const row = { run: Number(run), first, base_ms: figures.base.ms, test_ms: figures.test.ms, ratio, ticks_ratio: ticks };
  fs.appendFileSync(runsFile, `${JSON.stringify(row)}\n`);
  console.log(`run ${run} (${first} started first): server CPU per measured login base ${f3(figures.base.ms)} ms, test ${f3(figures.test.ms)} ms, test/base ${f3(ratio)} | whole run ticks ${baseTicks} / ${testTicks}, test/base ${f3(ticks)} | logins/s ${figures.base.rate} / ${figures.test.rate}, drivers ${figures.base.driver} / ${figures.test.driver} % CPU`);
} else if (mode === 'summary') {
  const rows = fs.existsSync(runsFile) ? fs.readFileSync(runsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  if (rows.length === 0) {
    console.log('no run completed');
    process.exit(1);
  }
  const r = rows.map((x) => x.ratio);
  const t = rows.map((x) => x.ticks_ratio);
  console.log(`test/base over ${rows.length} runs: per measured login median ${f3(median(r))} (${f3(Math.min(...r))}-${f3(Math.max(...r))}), whole runs median ${f3(median(t))} (${f3(Math.min(...t))}-${f3(Math.max(...t))})`);
} else {
  console.error('usage: node bench/ab-report.js run|summary <runs.jsonl> ...');
  process.exit(2);
}
