// Accounts changed behind the server's back (the CLI on its own connection, another process,
// plain SQL): storage notes every deletion and every write of an account's credentials, whoever
// makes it (AccountStore.notesSince; triggers in SQL backends, in the same transaction that
// moves the account epoch). `check` reads the notes, hands each on, and removes them. The server
// calls it when the epoch moved (AccountCache's `onChange`), so no poll of its own runs.
// Each session carries the stamp of the credentials it logged in with (`credentialStamp`): a
// note hands on the credentials the account has now (none once it is gone), and the sessions
// whose stamp differs end. So a password changed with the CLI ends the sessions that logged in
// with the old one, including one that got in with a record cached from before the change, and
// an account deleted and created again at once keeps only the sessions of its new incarnation.
// Deletions made through this server's own storage (in-band, XEP-0077) were acted upon by the
// module that made them: `wrap` marks them, and their notes are skipped. An in-band password
// change renews the stamp of the session that made it (ClientSession.credentialsChanged).
import type { AccountNote, AccountStore, Credentials } from '../storage/types.js';

const STAMP_RANGE = 2 ** 48;

/**
 * A number that identifies credentials: new credentials (a new password, or the same one with a
 * new salt) get another stamp, save for a chance of one in 2^48. Stored keys are hash outputs
 * already, so 48 bits of each (exact in a double), summed, are as good as a hash of both.
 */
export function credentialStamp(c: Credentials): number {
  return (c.sha1.storedKey.readUIntBE(0, 6) + c.sha256.storedKey.readUIntBE(0, 6)) % STAMP_RANGE;
}

/** Who is online, as seen once per batch of notes. */
export interface OnlineView {
  /** Whether the account has sessions or logins here (notes of other accounts need no read). */
  online(host: string, username: string): boolean;
}

export interface AccountNoteWatchOptions<V extends OnlineView> {
  /** Called once per batch of notes that has something to act on. */
  view: () => V;
  /**
   * Acts on a note. `current` is the account's credentials now, undefined when it is gone; it is
   * read only when the account is online (else it is undefined too).
   */
  onNote: (note: AccountNote, current: Credentials | undefined, view: V) => void | Promise<void>;
  /** Reading or removing the notes failed; they are read again at the next check. */
  onError: (err: unknown) => void;
}

/** Notes read per query; a longer backlog is worked through in the same check. */
const BATCH = 100;

export class AccountNoteWatch<V extends OnlineView = OnlineView> {
  private checking: Promise<void> | undefined;
  private stopped = false;
  /** The last note acted upon. */
  private last = 0;
  /** Deletions under way or made through `wrap`, by account, whose notes are to be skipped. */
  private readonly own = new Map<string, number>();

  /** `store` must be the backend's own, not a cache: the account's credentials now decide. */
  constructor(private readonly store: AccountStore, private readonly options: AccountNoteWatchOptions<V>) {}

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
    await this.store.forgetNotes(Number.MAX_SAFE_INTEGER);
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
        const batch = await this.store.notesSince(this.last, BATCH);
        const { acts, ownUsed } = this.sort(batch);
        if (acts.length > 0) {
          const view = this.options.view();
          for (const note of acts) {
            if (this.stopped) return;
            await this.act(note, view);
          }
        }
        // Only now, so that a failed read leaves the whole batch (and its marks) for the next check.
        for (const [key, n] of ownUsed) for (let i = 0; i < n; i++) this.takeOwn(key);
        if (batch.length > 0) {
          this.last = batch[batch.length - 1]!.seq;
          await this.store.forgetNotes(this.last);
        }
        if (batch.length < BATCH) return;
      }
    } catch (err) {
      if (!this.stopped) this.options.onError(err);
    }
  }

  /**
   * One act per account and batch: the credentials it has now decide for every note of it, and
   * a deletion among them (not this server's own) makes it a deletion (SQL backends also note
   * each credential row written, so one change is several notes). `ownUsed` counts the marks of
   * own deletions the batch uses, taken away once it has been acted upon.
   */
  private sort(batch: readonly AccountNote[]): { acts: AccountNote[]; ownUsed: Map<string, number> } {
    const acts = new Map<string, AccountNote>();
    const ownUsed = new Map<string, number>();
    for (const note of batch) {
      const key = `${note.username}@${note.host}`;
      if (note.kind === 'deleted') {
        const used = ownUsed.get(key) ?? 0;
        if (used < (this.own.get(key) ?? 0)) {
          ownUsed.set(key, used + 1);
          continue;
        }
      }
      if (!acts.has(key) || note.kind === 'deleted') acts.set(key, note);
    }
    return { acts: [...acts.values()], ownUsed };
  }

  private async act(note: AccountNote, view: V): Promise<void> {
    const online = view.online(note.host, note.username);
    if (!online && note.kind === 'credentials') return;
    // A failed read stops the check: the batch is read again at the next one (acting twice on
    // an account ends nobody twice: its sessions with other credentials are gone).
    const current = online ? (await this.store.get(note.host, note.username))?.credentials : undefined;
    try {
      await this.options.onNote(note, current, view);
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
