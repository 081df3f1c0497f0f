// Retention (XEP-0313 §3.2: a server may keep messages only until they reach a certain age;
// what it deletes must be the oldest of an archive). A periodic task deletes messages older
// than max_age in bounded batches, so one run never holds the database for long.

/** A duration option: a number and a unit, seconds to weeks. */
export const DURATION = /^[1-9]\d{0,5}[smhdw]$/;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a duration option; 0 stays 0 (keep forever). */
export function durationMs(value: 0 | string): number {
  if (value === 0) return 0;
  if (!DURATION.test(value)) throw new Error(`invalid duration ${value}`);
  return Number(value.slice(0, -1)) * UNIT_MS[value.slice(-1)]!;
}

/** How often the purge runs: a quarter of the age kept, between one second and one hour. */
export function purgeEvery(maxAgeMs: number): number {
  return Math.min(3_600_000, Math.max(1000, Math.floor(maxAgeMs / 4)));
}

/** Rows deleted per statement, and statements per run (the rest waits for the next run). */
export const PURGE_BATCH = 1000;
export const PURGE_ROUNDS = 100;

export class Retention {
  private busy = false;

  constructor(
    /** Deletes up to `limit` of the oldest messages archived before `before`; resolves with how many. */
    private readonly purge: (before: Date, limit: number) => Promise<number>,
    private readonly maxAgeMs: number,
  ) {}

  /** One run: deletes what is older than max_age, in batches. Resolves with the number deleted. */
  async run(now: number = Date.now()): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    let total = 0;
    try {
      const before = new Date(now - this.maxAgeMs);
      for (let round = 0; round < PURGE_ROUNDS; round++) {
        const n = await this.purge(before, PURGE_BATCH);
        total += n;
        if (n < PURGE_BATCH) break;
      }
    } finally {
      this.busy = false;
    }
    return total;
  }
}
