// Blocklists in memory, so checking a stanza costs no storage round trip (XEP-0191 asks for a
// check on every stanza to and from a user). An account's list is loaded on first need and kept
// while the account has a bound session ("pinned"); lists of accounts without sessions (e.g.
// messages for an offline user) live in a small least-recently-used cache.
import { BlockSet } from './rules.js';

export type Loader = (username: string) => Promise<string[]>;

interface Slot {
  set: BlockSet | undefined;
  pending: Promise<BlockSet> | undefined;
}

export class BlocklistCache {
  private readonly pinned = new Map<string, Slot>();
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly recent = new Map<string, Slot>();
  private readonly online = new Set<string>();

  constructor(private readonly load: Loader, private readonly capacity: number) {}

  /** The account's list: synchronously when in memory, else once loaded. */
  get(username: string): BlockSet | Promise<BlockSet> {
    let slot = this.pinned.get(username);
    if (!slot) {
      slot = this.recent.get(username);
      if (slot) {
        this.recent.delete(username);
        this.recent.set(username, slot);
      }
    }
    if (!slot) slot = this.startLoad(username);
    return slot.set ?? slot.pending!;
  }

  /** A session of the account was bound: keep its list (once loaded) until unpinned. */
  pin(username: string): void {
    this.online.add(username);
    const slot = this.recent.get(username);
    if (slot) {
      this.recent.delete(username);
      this.pinned.set(username, slot);
    }
  }

  /** The account's last session closed: its list becomes an ordinary cache entry. */
  unpin(username: string): void {
    this.online.delete(username);
    const slot = this.pinned.get(username);
    if (!slot) return;
    this.pinned.delete(username);
    this.remember(username, slot);
  }

  /** Drops the account's list (e.g. the account was deleted). */
  forget(username: string): void {
    this.pinned.delete(username);
    this.recent.delete(username);
  }

  /**
   * Applies a change, already written to storage, to the list in memory. A list still loading
   * is dropped instead, so the next check reads the stored one.
   */
  update(username: string, change: (set: BlockSet) => void): void {
    const slot = this.pinned.get(username) ?? this.recent.get(username);
    if (!slot) return;
    if (slot.set) change(slot.set);
    else this.forget(username);
  }

  /** Number of lists held (for tests and metrics). */
  get size(): { pinned: number; recent: number } {
    return { pinned: this.pinned.size, recent: this.recent.size };
  }

  private startLoad(username: string): Slot {
    const slot: Slot = { set: undefined, pending: undefined };
    slot.pending = this.load(username).then(
      (jids) => {
        slot.set = new BlockSet(jids);
        slot.pending = undefined;
        return slot.set;
      },
      (err: unknown) => {
        // Do not cache a failure: the next stanza tries again.
        if (this.pinned.get(username) === slot) this.pinned.delete(username);
        if (this.recent.get(username) === slot) this.recent.delete(username);
        throw err;
      },
    );
    if (this.online.has(username)) this.pinned.set(username, slot);
    else this.remember(username, slot);
    return slot;
  }

  private remember(username: string, slot: Slot): void {
    if (this.capacity <= 0) return;
    this.recent.delete(username);
    this.recent.set(username, slot);
    while (this.recent.size > this.capacity) {
      const oldest = this.recent.keys().next().value as string;
      this.recent.delete(oldest);
    }
  }
}
