// Limits per client address and per account: failed-login throttling (after `max` failures
// within the window, further attempts are refused until the window passes; memory is bounded by
// pruning) and the count of open connections per address.
import { addressKey } from '../../xmpp/ip.js';

export { addressKey };

export class FailureCounter {
  private readonly entries = new Map<string, { count: number; until: number }>();

  /** `keyOf` maps what is counted to its key (client addresses: addressKey). */
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
    private readonly keyOf: (k: string) => string = (k) => k,
  ) {}

  blocked(counted: string, now = Date.now()): boolean {
    const key = this.keyOf(counted);
    const e = this.entries.get(key);
    if (!e) return false;
    if (e.until <= now) {
      this.entries.delete(key);
      return false;
    }
    return e.count >= this.max;
  }

  fail(counted: string, now = Date.now()): void {
    const key = this.keyOf(counted);
    const e = this.entries.get(key);
    if (e && e.until > now) e.count++;
    else {
      if (this.entries.size >= this.maxEntries) this.prune(now);
      this.entries.set(key, { count: 1, until: now + this.windowMs });
    }
  }

  /** A successful login clears the counter for that key. */
  clear(counted: string): void {
    this.entries.delete(this.keyOf(counted));
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
    // By addressKey, as connections are counted: an IPv6 client could otherwise take a fresh
    // address of its /64 for every guess.
    this.addresses = new FailureCounter(opts.max_failures_per_address, windowMs, undefined, addressKey);
  }

  static accountKey(host: string, username: string): string {
    return `${host}\u0000${username}`;
  }
}

/** Open client connections per address, so one address cannot hold every socket the server has. */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  /** `max` 0 means no limit. */
  constructor(private readonly max: number) {}

  /** Counts a new connection from `address`; false (and not counted) when it has `max` open. */
  add(address: string): boolean {
    const key = addressKey(address);
    const n = this.open.get(key) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(key, n + 1);
    return true;
  }

  /** Forgets one connection counted by add(). */
  remove(address: string): void {
    const key = addressKey(address);
    const n = this.open.get(key) ?? 0;
    if (n <= 1) this.open.delete(key);
    else this.open.set(key, n - 1);
  }

  /** Connections open from `address` (for tests and diagnostics). */
  count(address: string): number {
    return this.open.get(addressKey(address)) ?? 0;
  }

  /** Addresses with a connection open (for tests and diagnostics). */
  get addresses(): number {
    return this.open.size;
  }
}
