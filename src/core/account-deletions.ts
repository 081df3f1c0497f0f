// Accounts deleted behind the server's back (the CLI on its own connection, another process,
// plain SQL) end the way accounts deleted in-band do (XEP-0077 §3.2): every session closes with
// a <not-authorized/> stream error, and the modules hear 'account/deleted' and drop what they keep
// in memory for the account (cached rosters, block lists, push registrations, buffered writes).
// Storage notes every deletion, whoever makes it (AccountStore.deletedSince; a trigger in SQL
// backends, in the same transaction that moves the account epoch); `check` reads the notes,
// acts on each, and removes them. The server calls it when the epoch moved (AccountCache's
// `onChange`), so no poll of its own runs.
// Deletions made through this server's own storage (in-band, XEP-0077) were acted upon by the
// module that made them: `wrap` marks them, and their notes are skipped. An account created
// again before the check (the CLI's `deluser` then `adduser`, in-band registration of the freed
// name) is handed on with the time it was created again: the sessions authenticated before it
// belong to the deleted account, the later ones to the new one.
import type { AccountDeletion, AccountStore } from '../storage/types.js';

/** A deletion to act upon. */
export interface DeletedAccount extends AccountDeletion {
  /** The account exists again, created at this time (by the clock of whoever created it). */
  recreatedAt?: Date;
}

export interface DeletionWatchOptions {
  /** Ends a deleted account's sessions (those from before `recreatedAt`, if given) and state. */
  onDeleted: (deletion: DeletedAccount) => void | Promise<void>;
  /** Reading or removing the notes failed; they are read again at the next check. */
  onError: (err: unknown) => void;
}

/** Notes read per query; a longer backlog is worked through in the same check. */
const BATCH = 100;

export class DeletionWatch {
  private checking: Promise<void> | undefined;
  private stopped = false;
  /** The last note acted upon. */
  private last = 0;
  /** Deletions under way or made through `wrap`, by account, whose notes are to be skipped. */
  private readonly own = new Map<string, number>();

  /** `store` must be the backend's own, not a cache: whether an account exists decides. */
  constructor(private readonly store: AccountStore, private readonly options: DeletionWatchOptions) {}

  /** `store` with its deletions marked as this server's own (marked before the delete commits). */
  wrap(store: AccountStore): AccountStore {
    return {
      ...store,
      delete: async (host, username) => {
        const key = `${username}@${host}`;
        this.own.set(key, (this.own.get(key) ?? 0) + 1);
        let deleted = false;
        try {
          deleted = await store.delete(host, username);
          return deleted;
        } finally {
          if (!deleted) this.takeOwn(key);
        }
      },
    };
  }

  /** Drops the notes left from before the server started: nothing in memory refers to them. */
  async forgetOld(): Promise<void> {
    await this.store.forgetDeletions(Number.MAX_SAFE_INTEGER);
  }

  /** Stops acting; resolves when a check under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.checking;
  }

  /** Reads and acts on the notes once (a call while one runs waits for that one). */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.checking ??= this.run().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const batch = await this.store.deletedSince(this.last, BATCH);
        for (const deletion of batch) {
          if (this.stopped) return;
          if (!this.takeOwn(`${deletion.username}@${deletion.host}`)) await this.act(deletion);
          this.last = deletion.seq;
        }
        if (batch.length > 0) await this.store.forgetDeletions(this.last);
        if (batch.length < BATCH) return;
      }
    } catch (err) {
      if (!this.stopped) this.options.onError(err);
    }
  }

  private async act(deletion: AccountDeletion): Promise<void> {
    const again = await this.store.get(deletion.host, deletion.username);
    try {
      await this.options.onDeleted(again ? { ...deletion, recreatedAt: again.createdAt } : deletion);
    } catch (err) {
      // Not retried: acting again would fail the same way.
      this.options.onError(err);
    }
  }

  /** Whether `key` had a mark (and takes one away). */
  private takeOwn(key: string): boolean {
    const n = this.own.get(key);
    if (n === undefined) return false;
    if (n > 1) this.own.set(key, n - 1);
    else this.own.delete(key);
    return true;
  }
}
