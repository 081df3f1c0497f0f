// The phases of one soak run: provision, start the server, idle baseline, login ramp, load
// (with a forced full GC at its middle and end), drain, collection of stored messages,
// disconnection, wait for the server's handles to return to the baseline, stop, checks.
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LedgerSummary } from './ledger.js';
import { Load } from './load.js';
import type { SoakOptions } from './options.js';
import { sleep, type SessionStats } from './population.js';
import { between, readProbe, serverFigures, verdict, type GcMark, type ServerFigures, type Verdict } from './report.js';
import { DOMAIN, provision, scanLog, startServer, stopServer, username, withStorage, type LogSummary, type RunningServer, type Workspace } from './server.js';

export interface RunResult {
  opts: SoakOptions;
  provisionSecs: number;
  rampSecs: number;
  loadSecs: number;
  ready: number;
  churn: { clean: number; reset: number; logins: number };
  server: ServerFigures;
  messages: LedgerSummary;
  sessions: SessionStats;
  loadSide: { cores: number; eventLoopP99Ms: number };
  machineLoad: { start: number; end: number };
  log: LogSummary;
  verdict: Verdict;
}

/** Asks the probe for a full GC and waits for its mark line (undefined after 15 s). */
async function forceGc(server: RunningServer, probeFile: string): Promise<GcMark | undefined> {
  const since = Date.now();
  server.child.kill('SIGUSR2');
  for (let i = 0; i < 30; i++) {
    await sleep(500);
    const mark = (await readProbe(probeFile)).marks.find((m) => m.t >= since);
    if (mark) return mark.error ? undefined : mark;
  }
  return undefined;
}

export async function runSoak(opts: SoakOptions, ws: Workspace, say: (msg: string) => void, onServer: (s: RunningServer) => void): Promise<RunResult> {
  const machineStart = loadavg()[0]!;
  let t = performance.now();
  const provisioned = await provision(ws, opts);
  const provisionSecs = (performance.now() - t) / 1000;
  say(`provisioned ${provisioned.accounts} accounts and ${provisioned.rosterItems} roster items in ${provisionSecs.toFixed(1)} s (storage API)`);

  const server = await startServer(ws);
  onServer(server);
  say(`server pid ${server.child.pid} listening on 127.0.0.1:${server.port} (STARTTLS required)`);
  const load = new Load(opts, server);
  load.mark('serverUp');
  await sleep(3500); // idle samples: the baseline
  const clientLag = monitorEventLoopDelay({ resolution: 10 });
  clientLag.enable();
  const cpu0 = process.cpuUsage();

  load.mark('rampStart');
  t = performance.now();
  await load.ramp((n) => say(`logged in ${n}/${opts.sessions}`));
  const rampSecs = (performance.now() - t) / 1000;
  const ready = load.pop.ready.size;
  say(`${ready} sessions ready in ${rampSecs.toFixed(1)} s; load: ${opts.rate} msg/s for ${opts.seconds} s`);

  load.mark('loadStart');
  load.start();
  const midAt = performance.now() + (opts.seconds * 1000) / 2;
  const endAt = performance.now() + opts.seconds * 1000;
  const gc: { mid?: GcMark | undefined; end?: GcMark | undefined; after?: GcMark | undefined } = {};
  let midAsked: Promise<GcMark | undefined> | undefined;
  let reportAt = performance.now() + 10_000;
  while (performance.now() < endAt && !server.hasExited()) {
    await sleep(Math.max(0, Math.min(reportAt, endAt, midAsked ? Infinity : midAt) - performance.now()));
    if (!midAsked && performance.now() >= midAt) midAsked = forceGc(server, ws.probeFile);
    if (performance.now() < Math.min(reportAt, endAt)) continue;
    reportAt += 10_000;
    const s = (await readProbe(ws.probeFile)).samples.at(-1);
    const o = load.ledger.outstanding;
    say(`ready ${load.pop.ready.size}, offline ${load.pop.offline.size}, sent ${load.ledger.sent}, in flight ${o.online}, stored ${o.offline}` +
      (s ? ` | server rss ${(s.rss / 1048576).toFixed(0)} MiB, heap ${(s.heapUsed / 1048576).toFixed(0)} MiB, loop p99 ${s.elP99} ms, handles ${s.handles}` : ''));
  }
  gc.mid = await midAsked;
  if (!server.hasExited()) gc.end = await forceGc(server, ws.probeFile); // under load still
  const crashed = server.hasExited();
  load.mark('loadEnd');
  const st = load.pop.stats;
  const churn = { clean: st.cleanCloses, reset: st.abortedCloses, logins: st.logins - ready };
  // After a crash there is nothing left to wait for.
  const bound = crashed ? 0 : 30_000;
  await load.stop(crashed ? 0 : 60_000);
  const drained = await load.drain(bound);
  say(`load stopped; live messages ${drained ? 'all arrived' : `still missing after ${bound / 1000} s`}; logging in the ${load.pop.offline.size} offline accounts`);
  if (!crashed) await load.collect(bound);
  await load.disconnectAll(200);
  load.mark('clientsGone');
  const clientCpu = process.cpuUsage(cpu0);
  clientLag.disable();
  say('every client disconnected; waiting for the server to release their handles');

  const idle = between((await readProbe(ws.probeFile)).samples, load.marks.serverUp!.wall, load.marks.rampStart!.wall);
  const baseline = Math.min(...idle.map((s) => s.handles));
  const gone = load.marks.clientsGone!.wall;
  await sleep(2500);
  for (let i = 0; i < 30 && !crashed; i++) {
    const after = between((await readProbe(ws.probeFile)).samples, gone, Date.now());
    if (after.length >= 2 && after.slice(-2).every((s) => s.handles <= baseline)) break;
    await sleep(1000);
  }
  const { samples } = await readProbe(ws.probeFile);
  load.mark('stop');
  if (!crashed) gc.after = await forceGc(server, ws.probeFile);
  if (idle.length === 0 || samples.length === 0) throw new Error(`the probe wrote no samples to ${ws.probeFile}`);
  const exit = await stopServer(server);
  const storedLeft = await withStorage(ws, async (s) => {
    let n = 0;
    for (let i = 0; i < opts.sessions; i++) n += await s.offline.count(DOMAIN, username(i));
    return n;
  });
  const log = await scanLog(ws);

  const m = load.marks;
  const fig = serverFigures(idle, between(samples, m.loadStart!.wall, m.loadEnd!.wall), samples, between(samples, gone, m.stop!.wall), gc);
  const messages = load.ledger.summary();
  const v = verdict({
    messages, server: fig, rssGrowthBound: opts.rssGrowth, rssAfterGc: gc.mid !== undefined && gc.end !== undefined,
    loginFailures: st.loginFailures, unexpectedCloses: st.unexpectedCloses, storedLeft,
    logErrors: (log.byLevel.error ?? 0) + (log.byLevel.fatal ?? 0), exit: { ...exit, crashed },
  });
  const clientSecs = (m.clientsGone!.perf - m.rampStart!.perf) / 1000;
  return {
    opts, provisionSecs, rampSecs, loadSecs: (m.loadEnd!.perf - m.loadStart!.perf) / 1000, ready, churn,
    server: fig, messages, sessions: st, log, verdict: v,
    loadSide: {
      cores: Math.round((clientCpu.user + clientCpu.system) / 1e4 / clientSecs) / 100,
      eventLoopP99Ms: Math.max(0, Math.round(clientLag.percentile(99) / 1e5 - 100) / 10),
    },
    machineLoad: { start: machineStart, end: loadavg()[0]! },
  };
}
