// @ts-check
// In-server probe for the soak test (bench/soak/): loaded into the Starling process with
// `node --import ./bench/soak/probe.mjs bin/starling start ...`, it writes one JSON line per
// interval to the file named by STARLING_SOAK_PROBE_FILE. Plain JavaScript, so the server runs
// without a TypeScript loader. It touches nothing of the server: process-wide figures only.
//
// Each line: t (ms since the epoch), rss, heapUsed, heapTotal, external (bytes), elP50, elP99,
// elMax (event-loop delay in ms over the interval, perf_hooks.monitorEventLoopDelay, less its
// 10 ms sampling period, which the histogram includes: an idle loop reads about 0), elu
// (event-loop utilisation over the interval, 0..1), cpu (CPU time over the interval in ms,
// user + system), gcMs (time in GC pauses over the interval), handles
// (process.getActiveResourcesInfo().length) and kinds (that list counted by resource type).
//
// SIGUSR2 (server started with --expose-gc) runs a full garbage collection and, a second later
// (V8 returns freed pages to the system in the background), writes a line with mark 'gc':
// memory and handles at a comparable point, whatever V8's heap sizing was doing. The forced
// pause is left out of the event-loop and GC figures.
import { openSync, writeSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.STARLING_SOAK_PROBE_FILE;
const intervalMs = Number(process.env.STARLING_SOAK_PROBE_MS ?? 1000);

if (file) {
  // A synchronous append of a few hundred bytes per second: it never shows up as an active
  // request in the handle count this probe reports, and it costs microseconds.
  const fd = openSync(file, 'a');
  const RESOLUTION_MS = 10;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let gcMs = 0;
  /** Start and end (performance.now()) of the forced collections, whose GC entries are not counted. */
  /** @type {[number, number][]} */
  let forced = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!forced.some(([a, b]) => entry.startTime >= a && entry.startTime <= b)) gcMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  const ms = (/** @type {number} */ ns) => Math.max(0, Math.round(ns / 1e4 - RESOLUTION_MS * 100) / 100);

  const sample = () => {
    // The resources first, before this function creates anything of its own.
    const resources = process.getActiveResourcesInfo();
    /** @type {Record<string, number>} */
    const kinds = {};
    for (const r of resources) kinds[r] = (kinds[r] ?? 0) + 1;
    const mem = process.memoryUsage();
    const eluNow = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    const cpuNow = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const line = {
      t: Date.now(),
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      elP50: ms(delay.percentile(50)),
      elP99: ms(delay.percentile(99)),
      elMax: ms(delay.max),
      elu: Math.round(eluNow.utilization * 1000) / 1000,
      cpu: Math.round((cpuNow.user + cpuNow.system) / 1000),
      gcMs: Math.round(gcMs * 10) / 10,
      handles: resources.length,
      kinds,
    };
    delay.reset();
    gcMs = 0;
    writeSync(fd, JSON.stringify(line) + '\n');
  };
  // Unreferenced: the probe never keeps the server alive, and an unreferenced timer is not an
  // active resource, so the handle count is the server's own.
  setInterval(sample, intervalMs).unref();

  const collect = /** @type {(() => void) | undefined} */ (/** @type {Record<string, unknown>} */ (globalThis).gc);
  process.on('SIGUSR2', () => {
    if (!collect) {
      writeSync(fd, JSON.stringify({ t: Date.now(), mark: 'gc', error: 'no gc(): start node with --expose-gc' }) + '\n');
      return;
    }
    const start = performance.now();
    collect();
    forced = [...forced.slice(-3), [start, performance.now()]];
    delay.reset();
    setTimeout(() => {
      const mem = process.memoryUsage();
      const line = { t: Date.now(), mark: 'gc', rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, handles: process.getActiveResourcesInfo().length };
      writeSync(fd, JSON.stringify(line) + '\n');
    }, 1000).unref();
  });
}
