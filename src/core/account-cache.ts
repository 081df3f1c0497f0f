// Account records (credentials included) of recently seen accounts, kept in memory so that a
// login reads no storage: the credential read was about a fifth of the CPU of a plain login
// (docs/performance-log.md). Every write through the wrapped store drops the account's entry at
// once; writes made elsewhere (the CLI, another process, plain SQL) move the store's epoch,
// which is polled every `checkMs` and empties the whole cache when it moved (and tells
// `onChange`, which other in-memory state, such as a deleted account's sessions, may follow). An entry is kept
// only if nothing was written or noticed while it was being read, so a read that raced a write
// can never put back what the write replaced. Only existing accounts are kept.
import type { AccountRecord, AccountStore } from '../storage/types.js';

export interface AccountCacheOptions {
  /** Most records kept; the least recently used goes first. 0 turns the cache off. */
  size: number;
  /** How often the store's epoch is compared, in milliseconds. */
  checkMs: number;
  /** Called when the epoch could not be read (the cache was emptied to be safe). */
  onCheckError?: (err: unknown) => void;
  /**
   * Called when a reading differs from the one before (the first reading included): accounts
   * were written, maybe outside this process. The epoch is polled for it even with `size` 0.
   */
  onChange?: () => void;
}

export class AccountCache {
  private readonly entries = new Map<string, AccountRecord>();
  /** Raised by every write and every emptying: reads that started before do not fill. */
  private generation = 0;
  private epoch: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private stopped = false;

  constructor(private readonly store: AccountStore, private readonly options: AccountCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The store with this cache in front of `get`. Records it returns are shared: read only. */
  wrap(): AccountStore {
    const a = this.store;
    const write = <T>(host: string, username: string, op: Promise<T>): Promise<T> => {
      this.forget(host, username);
      return op.finally(() => this.forget(host, username));
    };
    return {
      create: (host, username, credentials) => write(host, username, a.create(host, username, credentials)),
      get: (host, username) => this.get(host, username),
      setCredentials: (host, username, credentials) => write(host, username, a.setCredentials(host, username, credentials)),
      delete: (host, username) => write(host, username, a.delete(host, username)),
      list: (host) => a.list(host),
      count: (host) => a.count(host),
      epoch: () => a.epoch(),
      notesSince: (after, limit) => a.notesSince(after, limit),
      forgetNotes: (upTo) => a.forgetNotes(upTo),
    };
  }

  async get(host: string, username: string): Promise<AccountRecord | undefined> {
    const key = `${username}@${host}`;
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const generation = this.generation;
    const record = await this.store.get(host, username);
    if (record && generation === this.generation && this.options.size > 0) {
      this.entries.set(key, Object.freeze(record));
      if (this.entries.size > this.options.size) this.entries.delete(this.entries.keys().next().value!);
    }
    return record;
  }

  forget(host: string, username: string): void {
    this.generation++;
    this.entries.delete(`${username}@${host}`);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Starts comparing the store's epoch; the first reading is the baseline. */
  start(): void {
    if ((this.options.size <= 0 && !this.options.onChange) || this.timer || this.stopped) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkMs);
    this.timer.unref();
  }

  /** Stops comparing (a reading still under way is ignored) and empties the cache. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** Compares the epoch once; empties the cache when it moved or could not be read. */
  async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      const epoch = await this.store.epoch();
      // Without an earlier reading to compare with, records read before this one may predate a
      // change it counts.
      const changed = epoch !== this.epoch;
      if (changed) this.clear();
      this.epoch = epoch;
      if (changed && !this.stopped) this.options.onChange?.();
    } catch (err) {
      this.clear();
      this.epoch = undefined;
      if (!this.stopped) this.options.onCheckError?.(err);
    } finally {
      this.checking = false;
    }
  }
}
