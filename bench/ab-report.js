// The lines bench/ab.sh prints: one per run, then the medians over the runs.
//   node bench/ab-report.js run <runs.jsonl> <run> <first> <base.jsonl> <test.jsonl> <base ticks> <test ticks>
//                               [<base database ticks> <test database ticks>]
//   node bench/ab-report.js summary <runs.jsonl>
// A run's figures: each build's server CPU per measured login (the harness driver's CpuMeter,
// milliseconds), for the chat scenario per message delivered in the fixed-rate phase
// (microseconds), for the presence scenario per newcomer (milliseconds); the test build's over
// the base build's, and the same ratio for the /proc CPU ticks of the whole run (untimed logins
// and set-up included); with each build's database ticks (bench:ab --storage postgres), also the
// ratio of the server's and its database's ticks together. A run in which either driver
// failed is reported and left out of the medians.
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

/** What one run of a driver measured, or a reason why it measured nothing. */
function figure(r) {
  const m = r?.metrics;
  if (!r?.ok) return { failed: r?.error ?? 'no result line' };
  if (r.scenario === 'chat') {
    const f = m?.fixed_rate;
    if (!(f?.delivered > 0) || typeof f.server_cpu_s !== 'number') return { failed: 'no fixed-rate phase' };
    return {
      value: (f.server_cpu_s * 1e6) / f.delivered, unit: 'us', what: 'message',
      detail: `${f.offered} msg/s offered, p99 ${f.latency_ms?.p99} ms`, driver: f.driver_cpu_pct,
    };
  }
  if (r.scenario === 'presence') {
    if (!m?.cpu || !(m.newcomers_completed > 0)) return { failed: 'no newcomers measured' };
    return {
      value: (m.cpu.server_cpu_s * 1000) / m.newcomers_completed, unit: 'ms', what: 'newcomer',
      detail: `${m.newcomers_per_s} newcomers/s, broadcast p99 ${m.broadcast_latency_ms?.p99} ms`, driver: m.cpu.driver_cpu_pct,
    };
  }
  if (!m?.cpu || !(m.binds_ok > 0)) return { failed: 'no logins measured' };
  return { value: (m.cpu.server_cpu_s * 1000) / m.binds_ok, unit: 'ms', what: 'login', detail: `${m.logins_per_s} logins/s`, driver: m.cpu.driver_cpu_pct };
}

if (mode === 'run') {
  const [run, first, baseFile, testFile, baseTicks, testTicks, baseDb, testDb] = args;
  const sides = { base: result(baseFile), test: result(testFile) };
  const figures = {};
  for (const [side, r] of Object.entries(sides)) {
    figures[side] = figure(r);
    if (figures[side].failed) {
      console.log(`run ${run}: the ${side} driver failed (${figures[side].failed}); run left out`);
      process.exit(0);
    }
  }
  const { base, test } = figures;
  const ratio = test.value / base.value;
  const ticks = Number(testTicks) / Number(baseTicks);
  const row = { run: Number(run), first, what: base.what, base: base.value, test: test.value, ratio, ticks_ratio: ticks };
  let withDb = '';
  if (baseDb !== undefined && testDb !== undefined) {
    row.db_ticks_ratio = (Number(testTicks) + Number(testDb)) / (Number(baseTicks) + Number(baseDb));
    withDb = ` | databases ${baseDb} / ${testDb} ticks, server and database test/base ${f3(row.db_ticks_ratio)}`;
  }
  fs.appendFileSync(runsFile, `${JSON.stringify(row)}\n`);
  console.log(`run ${run} (${first} started first): server CPU per measured ${base.what} base ${f3(base.value)} ${base.unit}, test ${f3(test.value)} ${test.unit}, test/base ${f3(ratio)} | whole run ticks ${baseTicks} / ${testTicks}, test/base ${f3(ticks)}${withDb} | ${base.detail} / ${test.detail}, drivers ${base.driver} / ${test.driver} % CPU`);
} else if (mode === 'summary') {
  const rows = fs.existsSync(runsFile) ? fs.readFileSync(runsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  if (rows.length === 0) {
    console.log('no run completed');
    process.exit(1);
  }
  const r = rows.map((x) => x.ratio);
  const t = rows.map((x) => x.ticks_ratio);
  const d = rows.every((x) => typeof x.db_ticks_ratio === 'number') ? rows.map((x) => x.db_ticks_ratio) : [];
  const withDb = d.length ? `, whole runs with their databases median ${f3(median(d))} (${f3(Math.min(...d))}-${f3(Math.max(...d))})` : '';
  console.log(`test/base over ${rows.length} runs: per measured ${rows[0].what ?? 'login'} median ${f3(median(r))} (${f3(Math.min(...r))}-${f3(Math.max(...r))}), whole runs median ${f3(median(t))} (${f3(Math.min(...t))}-${f3(Math.max(...t))})${withDb}`);
} else {
  console.error('usage: node bench/ab-report.js run|summary <runs.jsonl> ...');
  process.exit(2);
}
