// Helpers for the hostile-input tests: a loose watch on the heap of the test process (the server
// runs in it), bounded waits, and a bystander ping.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { RawClient } from './raw-client.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const MB = 1024 * 1024;

export interface HeapReport {
  /** Highest heap use seen while watching, above the baseline, in MiB. */
  peakMb: number;
  /** Heap use after a full collection at the end, above the baseline, in MiB. */
  retainedMb: number;
}

/** Starts sampling the heap against a baseline taken after a full collection. */
export function watchHeap(): { stop(): HeapReport } {
  collect();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 5);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      collect();
      const after = process.memoryUsage().heapUsed;
      return { peakMb: (peak - base) / MB, retainedMb: (after - base) / MB };
    },
  };
}

/** Resolves with `p`, or rejects when it takes longer than `ms` (a bound, not a measurement). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Waits until `cond` holds, polling; rejects after `ms` (a bound, not a measurement). */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const pingIq = (to = 'localhost'): Element => xml('iq', { type: 'get', to }, xml('ping', { xmlns: 'urn:xmpp:ping' }));

/** A ping from `client` to the server; resolves with the answer's type. */
export async function ping(client: RawClient, timeoutMs = 5000): Promise<string> {
  const res = await client.iq(pingIq(), timeoutMs);
  return res.attrs.type as string;
}

/** `n` bytes of `fill` (one character), as one reusable chunk for RawClient.flood. */
export function filler(fill = 'x', n = 65536): Buffer {
  return Buffer.alloc(n, fill);
}
