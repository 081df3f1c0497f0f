// What the push module keeps in memory: each account's registrations as stored (a cache, so a
// message held for an account costs no storage round trip once its list is known), and the
// burst state of accounts that have devices away (how many messages came since a client of the
// account was last online, when each device was last notified). Pure: no I/O but `load`.
import type { PushRegistration } from '../../storage/types.js';

/** Identifies a registration within its account. */
export const registrationKey = (r: { jid: string; node: string }): string => `${r.jid}\n${r.node}`;

/** Drops the oldest entries of an insertion-ordered map beyond `capacity`. */
function trim<V>(map: Map<string, V>, capacity: number): void {
  for (const oldest of map.keys()) {
    if (map.size <= capacity) return;
    map.delete(oldest);
  }
}

export class RegistrationCache {
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, Promise<PushRegistration[]>>();

  constructor(private readonly load: (username: string) => Promise<PushRegistration[]>, private readonly capacity: number) {}

  /** The account's registrations, from memory or loaded. A failed load is not kept. */
  get(username: string): Promise<PushRegistration[]> {
    const known = this.entries.get(username);
    if (known) {
      this.entries.delete(username);
      this.entries.set(username, known);
      return known;
    }
    const loading = this.load(username);
    if (this.capacity > 0) {
      this.entries.set(username, loading);
      trim(this.entries, this.capacity);
      loading.catch(() => {
        if (this.entries.get(username) === loading) this.entries.delete(username);
      });
    }
    return loading;
  }

  /** The stored registrations changed: the next read loads them again. */
  forget(username: string): void {
    this.entries.delete(username);
  }
}

interface Burst {
  /** Messages held for the account since a client of it was last online. */
  count: number;
  /** When each registration was last notified (milliseconds). */
  readonly sent: Map<string, number>;
}

/**
 * Bursts per account: one notification per device, then none for `intervalMs`, until the account
 * comes back (`reset`). At most `capacity` accounts are tracked; the oldest are forgotten first.
 */
export class Bursts {
  private readonly accounts = new Map<string, Burst>();

  constructor(private readonly intervalMs: number, private readonly capacity: number) {}

  private burst(username: string): Burst {
    let b = this.accounts.get(username);
    if (!b) {
      b = { count: 0, sent: new Map() };
      this.accounts.set(username, b);
      trim(this.accounts, this.capacity);
    }
    return b;
  }

  /** Counts one more held message; returns the count. */
  count(username: string): number {
    return ++this.burst(username).count;
  }

  /** True, and recorded, when the registration may be notified at `now`. */
  take(username: string, key: string, now: number): boolean {
    const sent = this.burst(username).sent;
    const last = sent.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    sent.set(key, now);
    return true;
  }

  /** A client of the account is online again: the burst is over. */
  reset(username: string): void {
    this.accounts.delete(username);
  }

  /** The device enabled push again: its next notification goes out at once. */
  resetRegistration(username: string, key: string): void {
    this.accounts.get(username)?.sent.delete(key);
  }
}
