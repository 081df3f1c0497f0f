// What archiving needs to know about an account, in memory, so deciding costs no storage read
// per message: whether it exists, its preferences (XEP-0441) and, for the 'roster' default, who
// is on its roster. An account with a bound session keeps its entry until its last session
// ends; others (recipients that are offline) share a small least-recently-used cache.
import type { ArchivePrefs } from '../../storage/types.js';

export interface Policy {
  readonly exists: boolean;
  readonly prefs: ArchivePrefs;
  /** Bare JIDs on the roster; loaded only for the 'roster' default. */
  readonly roster: ReadonlySet<string> | undefined;
}

type Entry = Policy | Promise<Policy>;

export class PolicyCache {
  private readonly pinned = new Map<string, Entry>();
  /** Map order is recency: the first key is the least recently used. */
  private readonly recent = new Map<string, Entry>();
  private readonly online = new Set<string>();

  constructor(
    private readonly load: (username: string) => Promise<Policy>,
    private readonly capacity: number,
  ) {}

  /** The account's policy: at once when in memory, else once loaded. */
  get(username: string): Policy | Promise<Policy> {
    const held = this.pinned.get(username);
    if (held !== undefined) return held;
    const seen = this.recent.get(username);
    if (seen !== undefined) {
      this.recent.delete(username);
      this.recent.set(username, seen);
      return seen;
    }
    const loading: Promise<Policy> = this.load(username).then(
      (policy) => {
        this.settle(username, loading, policy);
        return policy;
      },
      (err: unknown) => {
        this.settle(username, loading, undefined);
        throw err;
      },
    );
    this.keep(username, loading);
    return loading;
  }

  /** The account has a bound session: its entry stays until unpin. */
  pin(username: string): void {
    this.online.add(username);
    const entry = this.recent.get(username);
    if (entry === undefined) return;
    this.recent.delete(username);
    this.pinned.set(username, entry);
  }

  /** The account's last session ended. */
  unpin(username: string): void {
    this.online.delete(username);
    const entry = this.pinned.get(username);
    if (entry === undefined) return;
    this.pinned.delete(username);
    this.keep(username, entry);
  }

  /**
   * Drops what is known of the account (its roster or preferences changed, it was created or
   * deleted); the next message loads it again. A load in flight still answers its callers but
   * is not kept.
   */
  forget(username: string): void {
    this.pinned.delete(username);
    this.recent.delete(username);
  }

  /** Entries held (for tests). */
  get size(): { pinned: number; recent: number } {
    return { pinned: this.pinned.size, recent: this.recent.size };
  }

  private keep(username: string, entry: Entry): void {
    if (this.online.has(username)) {
      this.pinned.set(username, entry);
      return;
    }
    if (this.capacity <= 0) return;
    this.recent.set(username, entry);
    for (const oldest of this.recent.keys()) {
      if (this.recent.size <= this.capacity) break;
      this.recent.delete(oldest);
    }
  }

  /**
   * Replaces a finished load by its result, or drops a failed one, unless it was forgotten. An
   * account that does not exist is not remembered either: it may be created at any moment, by
   * the CLI too, which tells no module, and its archive must start with its first message.
   */
  private settle(username: string, loading: Promise<Policy>, policy: Policy | undefined): void {
    for (const map of [this.pinned, this.recent]) {
      if (map.get(username) !== loading) continue;
      if (policy === undefined || !policy.exists) map.delete(username);
      else map.set(username, policy);
    }
  }
}
