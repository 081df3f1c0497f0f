// The soak test's output: a summary table and the checks on standard output, and the same
// figures as one JSON line in bench/results/<date>-soak.jsonl.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunResult } from './run.js';

const run = promisify(execFile);

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

function table(rows: [string, string][]): string {
  const w = rows.reduce((n, [k]) => Math.max(n, k.length), 0);
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

export function printSummary(r: RunResult): void {
  const { server: f, messages: m, sessions: st, opts } = r;
  const logins = [...st.loginMs].sort((a, b) => a - b);
  const rows: [string, string][] = [
    ['sessions', `${r.ready} ready after the ramp (${opts.sessions} accounts), ramp ${r.rampSecs.toFixed(1)} s, login p50/p99 ${pct(logins, 50)}/${pct(logins, 99)} ms`],
    ['load', `${r.loadSecs.toFixed(0)} s at ${opts.rate} msg/s; churn: ${r.churn.clean} clean closes + ${r.churn.reset} resets, ${r.churn.logins} logins again`],
    ['server RSS (MiB)', `idle ${f.rssMiB.idle}, loaded ${f.rssMiB.loaded}, end of load ${f.rssMiB.end}, max ${f.rssMiB.max}, after disconnect ${f.rssMiB.afterDisconnect}`],
    ['after full GC (MiB)', `RSS ${f.afterGcMiB.rss.join(' / ')}, heap used ${f.afterGcMiB.heapUsed.join(' / ')} (mid-load / end of load / clients gone)`],
    ['growth, 2nd half', `RSS ${f.rssGrowthPct} % (bound ${opts.rssGrowth} %), live heap ${f.heapGrowthPct} %; without forced GC: RSS ${f.rssGrowthRawPct} %`],
    ['server heap used (MiB)', `idle ${f.heapUsedMiB.idle}, max ${f.heapUsedMiB.max}, after disconnect ${f.heapUsedMiB.afterDisconnect}`],
    ['event-loop delay (ms)', `p50 ${f.eventLoopMs.p50}, p99 ${f.eventLoopMs.p99Median} (worst second ${f.eventLoopMs.p99Worst}), max ${f.eventLoopMs.max}`],
    ['server CPU, GC', `${f.cpuPct} % of a core, GC ${f.gcMsPerS} ms/s`],
    ['handles', `${f.handles.baseline} before clients, peak ${f.handles.peak}, ${f.handles.end} after they left`],
    ['messages', `sent ${m.sent} (${m.sentOffline} to offline accounts), delivered ${m.delivered} (${m.deliveredOffline} of those stored first)`],
    ['lost / duplicated', `${m.lost} / ${m.duplicated} (misdelivered ${m.misdelivered}, bounced ${m.bounced})`],
    ['stamps', `${m.delayedOnline} live messages arrived stored, ${m.liveOffline} offline ones arrived live`],
    ['latency (ms, live)', `p50 ${m.latencyMs.p50}, p99 ${m.latencyMs.p99}, max ${m.latencyMs.max}`],
    ['presence received', `${st.presenceIn} (${st.rosterItems} roster items fetched)`],
    ['login timeouts', `${st.loginTimeouts}; departures past the wait bound ${st.leaveTimeouts}`],
    ['load side', `${r.loadSide.cores} of a core, event-loop delay p99 ${r.loadSide.eventLoopP99Ms} ms (clients in one process)`],
    ['machine load (1 min)', `${r.machineLoad.start.toFixed(2)} at start, ${r.machineLoad.end.toFixed(2)} at end`],
    ['server log', Object.entries(r.log.byLevel).map(([k, n]) => `${k} ${n}`).join(', ')],
  ];
  const out: string[] = [`\nSoak summary\n${table(rows)}\n\nChecks`];
  for (const c of r.verdict.checks) out.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (st.loginTimeouts > 0) out.push(`  WARN ${st.loginTimeouts} logins timed out (overloaded machine or server; not counted as a failure)`);
  for (const p of r.log.problems) out.push(`  server log: ${p.level} "${p.msg}" x${p.count}`);
  for (const [k, n] of st.problems) out.push(`  client: ${k} x${n}`);
  out.push(`\n${r.verdict.ok ? 'PASS' : 'FAIL'}\n`);
  process.stdout.write(out.join('\n') + '\n');
}

async function revision(repo: string): Promise<string> {
  try {
    const rev = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo })).stdout.trim();
    const dirty = (await run('git', ['status', '--porcelain', '--', 'src'], { cwd: repo })).stdout.trim();
    return dirty ? `${rev}+dirty-src` : rev;
  } catch {
    return 'unknown';
  }
}

/** Appends the run as one JSON line to bench/results/<date>-soak.jsonl; returns the file. */
export async function writeResult(r: RunResult, repo: string): Promise<string> {
  const { build, keep, quiet, ...options } = r.opts;
  void build, void keep, void quiet;
  const logins = [...r.sessions.loginMs].sort((a, b) => a - b);
  const { loginMs, problems, ...sessions } = r.sessions;
  void loginMs;
  const line = {
    ts: new Date().toISOString(), scenario: 'soak', rev: await revision(repo), ok: r.verdict.ok, options,
    timings: { provisionSecs: r.provisionSecs, rampSecs: r.rampSecs, loadSecs: r.loadSecs, loginMs: { p50: pct(logins, 50), p99: pct(logins, 99) } },
    ready: r.ready, churn: r.churn, server: r.server, messages: r.messages,
    sessions: { ...sessions, problems: Object.fromEntries(problems) },
    loadSide: r.loadSide, machineLoad: r.machineLoad, serverLog: r.log.byLevel, checks: r.verdict.checks,
  };
  const dir = join(repo, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const d = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  // local time, as bench/run.sh names its files
  const file = join(dir, `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}-soak.jsonl`);
  await writeFile(file, JSON.stringify(line) + '\n', { flag: 'a' });
  return file;
}
