// Turns the probe samples, the phase marks and the load figures into the soak test's verdict:
// a summary table for people and one JSON line for bench/results/.
import { readFile } from 'node:fs/promises';
import type { LedgerSummary } from './ledger.js';

/** One line of probe.mjs. */
export interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  elP50: number;
  elP99: number;
  elMax: number;
  elu: number;
  cpu: number;
  gcMs: number;
  handles: number;
  kinds: Record<string, number>;
}

/** A line of probe.mjs written a second after a full GC forced by SIGUSR2. */
export interface GcMark {
  t: number;
  mark: 'gc';
  rss?: number;
  heapUsed?: number;
  handles?: number;
  error?: string;
}

export async function readProbe(file: string): Promise<{ samples: Sample[]; marks: GcMark[] }> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { samples: [], marks: [] };
  }
  // a line being written as the file is read is left for the next read
  const lines = text.split('\n').filter((l) => l.startsWith('{') && l.endsWith('}')).map((l) => JSON.parse(l) as Sample | GcMark);
  return { samples: lines.filter((l): l is Sample => !('mark' in l)), marks: lines.filter((l): l is GcMark => 'mark' in l) };
}

export const between = (s: Sample[], from: number, to: number): Sample[] => s.filter((x) => x.t >= from && x.t <= to);

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor((v.length - 1) / 2)]!;
}

const max = (values: number[]): number => values.reduce((m, v) => Math.max(m, v), 0);
const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/** Memory after a forced full GC at the middle and the end of the load, and after disconnection. */
export interface AfterGc {
  mid?: GcMark | undefined;
  end?: GcMark | undefined;
  after?: GcMark | undefined;
}

export interface ServerFigures {
  rssMiB: { idle: number; loaded: number; end: number; max: number; afterDisconnect: number };
  heapUsedMiB: { idle: number; max: number; afterDisconnect: number };
  /** RSS and live heap after a full GC: middle of the load, its end, after disconnection. */
  afterGcMiB: { rss: [number, number, number]; heapUsed: [number, number, number] };
  /**
   * RSS growth over the second half of the load, between the full GCs at its middle and end
   * (or, without them, between the medians of a window at the start and at the end of that half).
   */
  rssGrowthPct: number;
  /** Growth of the live heap (after full GC) over the second half of the load. */
  heapGrowthPct: number;
  /** Growth over the second half from the window medians, without forced GC (for comparison). */
  rssGrowthRawPct: number;
  eventLoopMs: { p50: number; p99Median: number; p99Worst: number; max: number };
  cpuPct: number;
  gcMsPerS: number;
  handles: { baseline: number; peak: number; end: number; baselineKinds: Record<string, number>; endKinds: Record<string, number> };
}

/**
 * `idle`: samples of the server before any client; `load`: the load phase; `after`: samples
 * after every client has gone (the last one is the end state).
 */
export function serverFigures(idle: Sample[], load: Sample[], all: Sample[], after: Sample[], gc: AfterGc = {}): ServerFigures {
  const base = idle.reduce<Sample | undefined>((m, s) => (m === undefined || s.handles < m.handles ? s : m), undefined) ?? all[0]!;
  const end = after.at(-1) ?? all.at(-1)!;
  const half = load.slice(Math.floor(load.length / 2));
  const w = Math.max(3, Math.min(10, Math.floor(half.length / 3)));
  const midRss = median(half.slice(0, w).map((s) => s.rss));
  const endRss = median(half.slice(-w).map((s) => s.rss));
  const loadSecs = Math.max(1, load.length);
  const growth = (from: number | undefined, to: number | undefined): number | undefined =>
    from && to ? Math.round(((to - from) / from) * 1000) / 10 : undefined;
  const rawGrowth = growth(midRss, endRss) ?? 0;
  const gcMiB = (key: 'rss' | 'heapUsed'): [number, number, number] => [mib(gc.mid?.[key] ?? 0), mib(gc.end?.[key] ?? 0), mib(gc.after?.[key] ?? 0)];
  return {
    rssMiB: { idle: mib(base.rss), loaded: mib(load[0]?.rss ?? 0), end: mib(load.at(-1)?.rss ?? 0), max: mib(max(all.map((s) => s.rss))), afterDisconnect: mib(end.rss) },
    heapUsedMiB: { idle: mib(base.heapUsed), max: mib(max(all.map((s) => s.heapUsed))), afterDisconnect: mib(end.heapUsed) },
    afterGcMiB: { rss: gcMiB('rss'), heapUsed: gcMiB('heapUsed') },
    rssGrowthPct: growth(gc.mid?.rss, gc.end?.rss) ?? rawGrowth,
    heapGrowthPct: growth(gc.mid?.heapUsed, gc.end?.heapUsed) ?? 0,
    rssGrowthRawPct: rawGrowth,
    eventLoopMs: {
      p50: median(load.map((s) => s.elP50)),
      p99Median: median(load.map((s) => s.elP99)),
      p99Worst: max(load.map((s) => s.elP99)),
      max: max(load.map((s) => s.elMax)),
    },
    cpuPct: Math.round(load.reduce((n, s) => n + s.cpu, 0) / loadSecs / 10),
    gcMsPerS: Math.round((load.reduce((n, s) => n + s.gcMs, 0) / loadSecs) * 10) / 10,
    handles: { baseline: base.handles, peak: max(all.map((s) => s.handles)), end: end.handles, baselineKinds: base.kinds, endKinds: end.kinds },
  };
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verdict {
  checks: Check[];
  ok: boolean;
}

export interface VerdictInput {
  messages: LedgerSummary;
  server: ServerFigures;
  rssGrowthBound: number;
  loginFailures: number;
  /** True when the RSS figures come from forced full GCs. */
  rssAfterGc: boolean;
  unexpectedCloses: number;
  storedLeft: number;
  logErrors: number;
  exit: { code: number | null; killed: boolean; crashed: boolean };
}

export function verdict(v: VerdictInput): Verdict {
  const m = v.messages;
  const h = v.server.handles;
  const checks: Check[] = [
    { name: 'no message lost', ok: m.lost === 0, detail: `${m.lost} lost (${m.lostOnline} online, ${m.lostOffline} offline; ${m.bounced} bounced)` },
    { name: 'no message duplicated', ok: m.duplicated === 0, detail: `${m.duplicated} duplicated` },
    { name: 'no message misdelivered', ok: m.misdelivered === 0 && m.unknown === 0, detail: `${m.misdelivered} to the wrong account, ${m.unknown} unknown ids` },
    { name: `RSS growth over the second half <= ${v.rssGrowthBound} %`, ok: v.server.rssGrowthPct <= v.rssGrowthBound, detail: `${v.server.rssGrowthPct} %${v.rssAfterGc ? ' (after full GC)' : ' (window medians: no forced GC)'}` },
    { name: 'handles back to the baseline', ok: h.end <= h.baseline, detail: `${h.baseline} before clients, ${h.end} after they left${h.end > h.baseline ? ` (end: ${JSON.stringify(h.endKinds)}, baseline: ${JSON.stringify(h.baselineKinds)})` : ''}` },
    { name: 'no login refused or broken off', ok: v.loginFailures === 0, detail: `${v.loginFailures} failed (timeouts are reported apart)` },
    { name: 'no session closed by the server', ok: v.unexpectedCloses === 0, detail: `${v.unexpectedCloses} closed` },
    { name: 'offline store empty at the end', ok: v.storedLeft === 0, detail: `${v.storedLeft} stored messages left` },
    { name: 'no error in the server log', ok: v.logErrors === 0, detail: `${v.logErrors} error/fatal lines` },
    { name: 'server stopped cleanly on SIGTERM', ok: v.exit.code === 0 && !v.exit.killed && !v.exit.crashed, detail: v.exit.crashed ? 'exited during the run' : v.exit.killed ? 'killed after the timeout' : `exit code ${String(v.exit.code)}` },
  ];
  return { checks, ok: checks.every((c) => c.ok) };
}
