// Failed-login throttling per account and per client address: after `max` failures within the
// window, further attempts are refused until the window passes. Memory is bounded by pruning.
export class FailureCounter {
  private readonly entries = new Map<string, { count: number; until: number }>();

  constructor(private readonly max: number, private readonly windowMs: number, private readonly maxEntries = 100_000) {}

  blocked(key: string, now = Date.now()): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    if (e.until <= now) {
      this.entries.delete(key);
      return false;
    }
    return e.count >= this.max;
  }

  fail(key: string, now = Date.now()): void {
    const e = this.entries.get(key);
    if (e && e.until > now) e.count++;
    else {
      if (this.entries.size >= this.maxEntries) this.prune(now);
      this.entries.set(key, { count: 1, until: now + this.windowMs });
    }
  }

  /** A successful login clears the counter for that key. */
  clear(key: string): void {
    this.entries.delete(key);
  }

  prune(now = Date.now()): void {
    for (const [k, e] of this.entries) if (e.until <= now) this.entries.delete(k);
    // Still full after pruning expired ones: drop the oldest (Map keeps insertion order).
    while (this.entries.size >= this.maxEntries) {
      const first = this.entries.keys().next();
      if (first.done) break;
      this.entries.delete(first.value);
    }
  }
}

export class AuthThrottle {
  readonly accounts: FailureCounter;
  readonly addresses: FailureCounter;

  constructor(opts: { max_failures_per_account: number; max_failures_per_address: number; throttle_window: number }) {
    const windowMs = opts.throttle_window * 1000;
    this.accounts = new FailureCounter(opts.max_failures_per_account, windowMs);
    this.addresses = new FailureCounter(opts.max_failures_per_address, windowMs);
  }

  static accountKey(host: string, username: string): string {
    return `${host}\u0000${username}`;
  }
}
