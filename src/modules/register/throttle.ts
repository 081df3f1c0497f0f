// Registrations per client address in a sliding window, so one address cannot create accounts
// in bulk. A slot is taken before the (slow) account creation starts, so concurrent requests
// from one address cannot overrun the limit, and given back when the creation fails.
import { addressKey } from '../../xmpp/ip.js';

export class AddressThrottle {
  private readonly stamps = new Map<string, number[]>();

  /** `max` 0 means no limit. */
  constructor(private readonly max: number, private readonly windowMs: number) {}

  /** Takes a slot for `address`; returns a function that gives it back, or undefined when full. */
  take(address: string, now: number): (() => void) | undefined {
    if (this.max === 0) return () => undefined;
    const key = normalise(address);
    const list = this.recent(key, now);
    if (list.length >= this.max) return undefined;
    list.push(now);
    this.stamps.set(key, list);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const l = this.stamps.get(key);
      const i = l ? l.indexOf(now) : -1;
      if (l && i !== -1) l.splice(i, 1);
      if (l && l.length === 0) this.stamps.delete(key);
    };
  }

  /** Seconds until `address` may register again (0 when it may now). */
  retryAfter(address: string, now: number): number {
    const list = this.recent(normalise(address), now);
    if (this.max === 0 || list.length < this.max) return 0;
    return Math.ceil((list[0]! + this.windowMs - now) / 1000);
  }

  /** Forgets addresses whose registrations have all left the window. */
  prune(now: number): void {
    for (const key of [...this.stamps.keys()]) {
      const list = this.recent(key, now);
      if (list.length === 0) this.stamps.delete(key);
      else this.stamps.set(key, list);
    }
  }

  get size(): number {
    return this.stamps.size;
  }

  private recent(key: string, now: number): number[] {
    return (this.stamps.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }
}

/** An IPv4 client seen on a dual-stack socket counts as its IPv4 address. */
/** Counted as connections are: an IPv6 client by its /64, which it could otherwise walk. */
const normalise = addressKey;
