#!/usr/bin/env node
// Starling against the better of the peers (Prosody, ejabberd), scenario by scenario, with the
// targets of the performance issue, and against each peer when there are two. Medians over the
// runs that passed (ok: true). With several runs, also the median of the ratios run by run:
// bench/run.sh runs the servers one after the other within a run, so each pair shares the
// machine's speed of the moment, which moves by up to 2x within a sitting here.
//   node bench/compare.js RESULTS.jsonl... [--baseline PEER.jsonl...]
// Files after --baseline are peer figures from another sitting (the harness's BASELINE.md files):
// the table then says so, and the ratios are only a rough guide.
import fs from 'node:fs';
import { median } from './stats.js';

const args = process.argv.slice(2);
const bi = args.indexOf('--baseline');
const current = bi >= 0 ? args.slice(0, bi) : args;
const baseline = bi >= 0 ? args.slice(bi + 1) : [];
if (!current.length) { console.error('usage: node bench/compare.js RESULTS.jsonl... [--baseline PEER.jsonl...]'); process.exit(2); }

const read = (f, from) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
  try { return [{ ...JSON.parse(l), _from: from }]; } catch { return []; }
});
// like the harness's `summarize.js --max-other 5` (and BASELINE.md): drop throughput/latency runs in
// which other processes used more than 5 % of a CPU during the measured phases
const MAX_OTHER = 5;
const otherLoad = (r) => {
  const m = r.metrics || {};
  const xs = r.scenario === 'login' || r.scenario === 'presence' ? [m.cpu && m.cpu.other_user_pct]
    : r.scenario === 'chat' || r.scenario === 'muc' ? [m.fixed_rate && m.fixed_rate.other_user_pct, m.saturation && m.saturation.other_user_pct] : [];
  return xs.length && xs.every((x) => typeof x === 'number') ? Math.max(...xs) : null;
};
const all = [...current.flatMap((f) => read(f, 'now')), ...baseline.flatMap((f) => read(f, 'baseline'))];
// bench/run.sh --storage postgres: the database runs beside Starling, so the driver counts it as
// another process's load; those runs are kept, and the database's CPU is shown instead
const onPostgres = (r) => /\bstorage=postgres\b/.test(r.note || '');
const disturbed = all.filter((r) => !onPostgres(r) && (otherLoad(r) ?? 0) > MAX_OTHER);
// as summarize.js: chat/muc/presence results of harness version 1 used a superseded ramp criterion
const rows = all.filter((r) => !disturbed.includes(r) && !(['chat', 'muc', 'presence'].includes(r.scenario) && +(r.harness_version || 0) < 2));
const get = (o, p) => (typeof p === 'function' ? p(o) : p.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o));
// work done per CPU-second of the server process: the rate a saturated server would reach when
// the driver, not the server, limits the measured rate (driver CPU near 100 %)
const perServerCpuSecond = (count) => (r) => {
  const n = get(r, count); const cpu = get(r, 'metrics.cpu.server_cpu_s');
  return typeof n === 'number' && typeof cpu === 'number' && cpu > 0 ? n / cpu : undefined;
};

// [scenario label, preset, metric label, path (or function of the result), 'hi' (higher is better) | 'lo' |
//  'info' (no ratio), target ratio or null, absolute target text]
const FIG = [
  ['start', 'startup', 'launch until c2s accepts (ms)', 'startup_ms', 'lo', null, '< 1,000 ms'],
  ['start', 'startup', 'RSS 2 s after start (KiB)', 'idle_rss_kib', 'lo', null, ''],
  ['(a) idle', 'idle-5k', 'KiB per session', 'metrics.kib_per_session', 'lo', 0.8, '<= 0.8x (~29 KiB)'],
  ['(a) idle', 'idle-18k', 'KiB per session', 'metrics.kib_per_session', 'lo', 0.8, '<= 0.8x (~29 KiB)'],
  ['(a) idle TLS', 'idle-5k-tls', 'KiB per TLS session', 'metrics.kib_per_session', 'lo', 0.8, '<= 0.8x (~40 KiB)'],
  ['(b) login', 'login', 'logins/s', 'metrics.logins_per_s', 'hi', 1.5, '>= 1.5x'],
  ['(b) login', 'login', 'logins per server CPU-second', perServerCpuSecond('metrics.binds_ok'), 'hi', null, ''],
  ['(b) login', 'login', 'driver CPU (%)', 'metrics.cpu.driver_cpu_pct', 'info', null, ''],
  ['(b) login', 'login', 'login latency p99 (ms)', 'metrics.login_latency_ms.p99', 'lo', null, ''],
  ['(b) login TLS', 'login-tls', 'logins/s', 'metrics.logins_per_s', 'hi', 1.5, '>= 1.5x'],
  ['(b) login TLS', 'login-tls', 'logins per server CPU-second', perServerCpuSecond('metrics.binds_ok'), 'hi', null, ''],
  ['(b) login TLS', 'login-tls', 'driver CPU (%)', 'metrics.cpu.driver_cpu_pct', 'info', null, ''],
  ['(b) login TLS', 'login-tls', 'login latency p99 (ms)', 'metrics.login_latency_ms.p99', 'lo', null, ''],
  ['(c) chat', 'chat', 'max delivered msg/s', 'metrics.saturation.max_delivered_per_s', 'hi', 2, '>= 2x'],
  ['(c) chat', 'chat', 'p50 latency at 2,000 msg/s (ms)', 'metrics.fixed_rate.latency_ms.p50', 'lo', null, ''],
  ['(c) chat', 'chat', 'p99 latency at 2,000 msg/s (ms)', 'metrics.fixed_rate.latency_ms.p99', 'lo', 1, '<= 1x (no worse)'],
  ['(c) chat', 'chat', 'server CPU at 2,000 msg/s (%)', 'metrics.fixed_rate.server_cpu_pct', 'lo', null, ''],
  ['(e) presence', 'presence', 'counted presence deliveries/s', 'metrics.counted_presence_deliveries_per_s', 'hi', 2, '>= 2x'],
  ['(e) presence', 'presence', 'newcomers/s', 'metrics.newcomers_per_s', 'hi', 2, '>= 2x'],
  ['(e) presence', 'presence', 'newcomers per server CPU-second', perServerCpuSecond('metrics.newcomers_completed'), 'hi', null, ''],
  ['(e) presence', 'presence', 'broadcast latency p99 (ms)', 'metrics.broadcast_latency_ms.p99', 'lo', null, ''],
];

const peers = [...new Set(rows.map((r) => r.label).filter((l) => l && l !== 'starling'))].sort();
const cell = (label, preset, p) => {
  const rs = rows.filter((r) => r.label === label && (r.preset || r.scenario) === preset);
  const ok = rs.filter((r) => r.ok);
  return { n: rs.length, okN: ok.length, v: median(ok.map((r) => get(r, p))), from: rs.length ? rs[0]._from : null, errors: rs.filter((r) => !r.ok).map((r) => r.error) };
};
const runOf = (r) => { const m = /\brun=(\d+)/.exec(r.note || ''); return m ? +m[1] : null; };
// Starling's run r against the peer's run r, for every run both passed; null with fewer than two.
const paired = (peer, preset, p) => {
  const byRun = (label) => new Map(rows.filter((r) => r.label === label && r.ok && (r.preset || r.scenario) === preset && runOf(r) != null)
    .map((r) => [runOf(r), get(r, p)]));
  const s = byRun('starling'); const o = byRun(peer);
  const rs = [...s.keys()].sort((a, b) => a - b).filter((k) => typeof s.get(k) === 'number' && typeof o.get(k) === 'number' && o.get(k) > 0)
    .map((k) => s.get(k) / o.get(k));
  return rs.length >= 2 ? { v: median(rs), each: rs } : null;
};
const fmt = (v) => (v == null ? 'n/a' : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : (Math.round(v * 100) / 100).toString());

const hasBaseline = rows.some((r) => r._from === 'baseline');
console.log(`## Starling vs the better peer${hasBaseline ? ' (peer figures from the harness baseline, NOT the same sitting: rough guide only)' : ' (same sitting)'}`);
const warm = [...new Set(rows.filter((r) => /\bwarm\b/.test(r.note || '')).map((r) => r.preset || r.scenario))];
if (warm.length) {
  console.log('');
  console.log(`Warm runs (bench/run.sh --warm) for ${warm.join(', ')}: every server ran the preset once, unmeasured, on the same process before the measured run.`);
}
// --one-tls-context changes the driver, so a comparison holds only if every measured run (notes
// with run=N) had it or none did
const measured = rows.filter((r) => /\brun=\d+/.test(r.note || ''));
const hasCtx = (r) => /\bone-tls-context\b/.test(r.note || '');
if (measured.some(hasCtx)) {
  const labels = [...new Set(measured.map((r) => r.label))];
  const all = labels.filter((l) => measured.every((r) => r.label !== l || hasCtx(r)));
  const rest = labels.filter((l) => !all.includes(l));
  console.log('');
  console.log(`One TLS context (bench/run.sh --one-tls-context) for ${all.join(', ') || 'some runs'}: the harness's driver kept one TLS context for all its connections instead of building one per STARTTLS login.`);
  if (rest.length) console.log(`WARNING: not in every run of ${rest.join(', ')}: a driver that builds a context per login measured those, so the login figures do not compare.`);
}
const dbLines = rows.filter((r) => r.scenario === 'db_cpu');
if (rows.some((r) => r.label === 'starling' && onPostgres(r))) {
  const share = [...new Set(dbLines.map((r) => r.preset))].flatMap((p) => {
    const m = median(dbLines.filter((r) => r.preset === p && r.starling_cpu_s > 0).map((r) => (100 * r.db_cpu_s) / r.starling_cpu_s));
    return m == null ? [] : [`${p.replace(/^db-cpu-/, '')} ${m.toFixed(0)} %`];
  });
  console.log('');
  console.log(`Starling stored in PostgreSQL (bench/run.sh --storage postgres), the database on Starling's core. Its CPU over each whole run, as a share of Starling's (median): ${share.join(', ') || 'not recorded'}. Per-CPU-second rows count Starling's process only, and other processes' load (which includes the database) does not drop Starling's runs.`);
}
console.log('');
console.log(`| scenario | figure | starling | ${peers.join(' | ')} | ratio to better peer | target | met | paired runs: median ratio (each run) |`);
console.log(`|---|---|---|${peers.map(() => '---').join('|')}|---|---|---|---|`);
const failures = [];
for (const [scen, preset, name, p, dir, target, ttext] of FIG) {
  const s = cell('starling', preset, p);
  if (!s.n) continue;
  if (s.okN < s.n) failures.push(`${preset}: ${s.n - s.okN}/${s.n} Starling run(s) failed: ${s.errors.join('; ')}`);
  const pc = peers.map((l) => cell(l, preset, p));
  const pv = pc.map((c) => c.v).filter((v) => v != null);
  const best = pv.length ? (dir === 'hi' ? Math.max(...pv) : Math.min(...pv)) : null;
  const ratio = dir !== 'info' && s.v != null && best ? s.v / best : null;
  let met = '';
  if (preset === 'startup' && p === 'startup_ms' && s.v != null) met = s.v < 1000 ? 'yes' : 'no';
  else if (target != null && ratio != null) met = (dir === 'hi' ? ratio >= target : ratio <= target) ? 'yes' : 'no';
  const bestPeer = best == null ? null : peers[pc.findIndex((c) => c.v === best)];
  const pr = dir !== 'info' && bestPeer && !hasBaseline ? paired(bestPeer, preset, p) : null;
  const prText = pr ? `${pr.v.toFixed(2)}x (${pr.each.map((x) => x.toFixed(2)).join(', ')})` : '';
  const sv = s.v == null ? `failed (${s.okN}/${s.n} ok)` : `${fmt(s.v)}${s.okN > 1 ? ` (n=${s.okN})` : ''}`;
  // With more than one peer, each peer's cell also gives Starling's ratio to that peer.
  const toPeer = (c) => (peers.length > 1 && dir !== 'info' && s.v != null && c.v ? ` [${(s.v / c.v).toFixed(2)}x]` : '');
  console.log(`| ${scen} | ${name} | ${sv} | ${pc.map((c) => (c.n ? `${fmt(c.v)}${c.okN > 1 ? ` (n=${c.okN})` : ''}${toPeer(c)}` : '-')).join(' | ')} | ${ratio == null ? (dir === 'info' ? '' : 'n/a') : `${ratio.toFixed(2)}x`} | ${ttext} | ${met} | ${prText} |`);
}
console.log('');
console.log('Ratio = Starling / better peer (higher-is-better rows: the faster peer; lower-is-better rows: the leaner or quicker peer).');
if (peers.length > 1) console.log('[Nx] after a peer\'s figure: Starling / that peer.');
if (FIG.some(([, preset, , p, dir]) => dir !== 'info' && peers.some((l) => paired(l, preset, p)))) console.log('Paired: Starling\'s run N against the better peer\'s run N (adjacent in time), median over the runs both passed.');
const clientBound = rows.filter((r) => get(r, 'metrics.client_bound_suspect') === true);
if (clientBound.length) console.log(`Driver-bound (driver CPU near its core's limit, so the rate measures the driver as much as the server; compare the per-server-CPU-second row): ${[...new Set(clientBound.map((r) => `${r.label} ${r.preset}`))].join(', ')}.`);
if (disturbed.length) console.log(`Dropped ${disturbed.length} run(s) disturbed by other load (> ${MAX_OTHER} % of a CPU): ${[...new Set(disturbed.map((r) => `${r.label} ${r.preset}`))].join(', ')}.`);
if (failures.length) { console.log(''); for (const f of failures) console.log(`- FAILED ${f}`); }
