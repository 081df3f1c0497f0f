// Rosters of accounts with bound sessions, kept in memory (as Prosody and ejabberd keep them):
// a session start reads its roster for the roster get and again for its presence broadcast
// and probes, and PEP, MAM and blocking read it later; with this cache once. The server wraps
// its storage with it once (core and modules use the wrapped one), so nothing else changes.
//
// Consistency: every roster write through this store drops the account's entry when the write
// settles, so the next read sees it; a read in flight during a write was cached at its start
// and is dropped with it. An entry goes when the account's last session ends or the account is
// deleted. Writes by another process (none of the CLI commands edit rosters) are not seen
// until then, as with the presence lists that the presence module already kept per account.
import type { AccountStore, Roster, RosterItem, RosterStore, Storage } from '../storage/types.js';

export class OnlineRosters {
  private readonly cache = new Map<string, Promise<Roster>>();

  /** `online(bare)`: whether the account has a bound session (only those are kept). */
  constructor(private readonly rosters: RosterStore, private readonly online: (bare: string) => boolean) {}

  /** Entries held (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }

  get(host: string, username: string): Promise<Roster> {
    const bare = `${username}@${host}`;
    const hit = this.cache.get(bare);
    if (hit) return hit;
    const load = this.rosters.get(host, username).then(frozen);
    if (this.online(bare)) {
      this.cache.set(bare, load);
      load.catch(() => {
        if (this.cache.get(bare) === load) this.cache.delete(bare);
      });
    }
    return load;
  }

  /** The account has no session left, or is gone. */
  drop(bare: string): void {
    this.cache.delete(bare);
  }

  /** The roster store the modules use: cached get(), writes that drop the entry. */
  store(): RosterStore {
    const r = this.rosters;
    const settle = <T>(host: string, username: string, write: Promise<T>): Promise<T> =>
      write.finally(() => this.drop(`${username}@${host}`));
    return {
      get: (host, username) => this.get(host, username),
      getItem: (host, username, jid) => r.getItem(host, username, jid),
      setItem: (host, username, item) => settle(host, username, r.setItem(host, username, item)),
      removeItem: (host, username, jid) => settle(host, username, r.removeItem(host, username, jid)),
      changesSince: (host, username, version) => r.changesSince(host, username, version),
      count: (host, username) => r.count(host, username),
      addPendingIn: (host, username, jid, stanza) => r.addPendingIn(host, username, jid, stanza),
      removePendingIn: (host, username, jid) => r.removePendingIn(host, username, jid),
      listPendingIn: (host, username) => r.listPendingIn(host, username),
      pendingInState: (host, username, jid) => r.pendingInState(host, username, jid),
      holders: (jid) => r.holders(jid),
    };
  }

  /** `storage` with this cache in front of its roster store (and account deletion dropping it). */
  wrap(storage: Storage): Storage {
    const a = storage.accounts;
    const accounts: AccountStore = {
      create: (host, username, credentials) => a.create(host, username, credentials),
      get: (host, username) => a.get(host, username),
      setCredentials: (host, username, credentials) => a.setCredentials(host, username, credentials),
      delete: (host, username) => a.delete(host, username).finally(() => this.drop(`${username}@${host}`)),
      list: (host) => a.list(host),
      count: (host) => a.count(host),
      epoch: () => a.epoch(),
      notesSince: (after, limit) => a.notesSince(after, limit),
      forgetNotes: (upTo) => a.forgetNotes(upTo),
    };
    return {
      kind: storage.kind,
      accounts,
      keyValue: storage.keyValue,
      roster: this.store(),
      offline: storage.offline,
      blocklist: storage.blocklist,
      invites: storage.invites,
      pubsub: storage.pubsub,
      caps: storage.caps,
      archive: storage.archive,
      push: storage.push,
      fastTokens: storage.fastTokens,
      migrate: () => storage.migrate(),
      close: () => storage.close(),
    };
  }
}

/** Shared by every reader: frozen, so that no reader can change what the others see. */
function frozen(roster: Roster): Roster {
  for (const item of roster.items) {
    Object.freeze(item.groups);
    Object.freeze(item as RosterItem);
  }
  Object.freeze(roster.items);
  return Object.freeze(roster);
}
