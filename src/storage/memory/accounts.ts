// In-memory AccountStore. Buffers are copied in and out so callers can never alias stored
// keys; deleting an account calls `onDelete` so the other stores drop the account's data.
import type { AccountNote, AccountRecord, AccountStore, Credentials, ScramCredential } from '../types.js';
import { compareCodePoints, PerAccount } from './shared.js';

export interface MemoryAccount {
  credentials: Credentials;
  createdAt: Date;
}

function copyCredential(c: ScramCredential): ScramCredential {
  return {
    salt: Buffer.from(c.salt),
    iterations: c.iterations,
    storedKey: Buffer.from(c.storedKey),
    serverKey: Buffer.from(c.serverKey),
  };
}

function copyCredentials(c: Credentials): Credentials {
  if (!c.sha1 || !c.sha256) throw new TypeError('storage: credentials for sha1 and sha256 are both required');
  return { sha1: copyCredential(c.sha1), sha256: copyCredential(c.sha256) };
}

export interface MemoryAccounts {
  store: AccountStore;
  exists(host: string, username: string): boolean;
}

export function memoryAccountStore(
  open: () => void,
  onDelete: (host: string, username: string) => void,
  onNewCredentials: (host: string, username: string) => void,
): MemoryAccounts {
  const accounts = new PerAccount<MemoryAccount>();
  // Per-host username sets for list/count (PerAccount does not enumerate).
  const names = new Map<string, Set<string>>();
  /** AccountStore.epoch: raised by every change. */
  let changes = 0;
  /** AccountStore.notesSince: what triggers note in the SQL backends. */
  const notes: AccountNote[] = [];
  let lastNote = 0;
  const note = (host: string, username: string, kind: AccountNote['kind']): void => {
    notes.push({ seq: ++lastNote, host, username, kind });
  };

  const store: AccountStore = {
    async create(host, username, credentials) {
      open();
      const copy = copyCredentials(credentials);
      if (accounts.get(host, username)) return false;
      accounts.getOrCreate(host, username, () => ({ credentials: copy, createdAt: new Date() }));
      let set = names.get(host);
      if (!set) names.set(host, (set = new Set()));
      set.add(username);
      changes++;
      note(host, username, 'credentials');
      return true;
    },

    async get(host, username) {
      open();
      const a = accounts.get(host, username);
      if (!a) return undefined;
      const record: AccountRecord = {
        host,
        username,
        credentials: copyCredentials(a.credentials),
        createdAt: new Date(a.createdAt.getTime()),
      };
      return record;
    },

    async setCredentials(host, username, credentials) {
      open();
      const copy = copyCredentials(credentials);
      const a = accounts.get(host, username);
      if (!a) return false;
      a.credentials = copy;
      onNewCredentials(host, username);
      changes++;
      note(host, username, 'credentials');
      return true;
    },

    async delete(host, username) {
      open();
      if (!accounts.get(host, username)) return false;
      accounts.delete(host, username);
      changes++;
      const set = names.get(host);
      set?.delete(username);
      if (set?.size === 0) names.delete(host);
      note(host, username, 'deleted');
      onDelete(host, username);
      return true;
    },

    async list(host) {
      open();
      return [...(names.get(host) ?? [])].sort(compareCodePoints);
    },

    async epoch() {
      open();
      return changes;
    },

    async notesSince(after, limit) {
      open();
      return notes.filter((n) => n.seq > after).slice(0, limit).map((n) => ({ ...n }));
    },

    async forgetNotes(upTo) {
      open();
      while (notes.length > 0 && notes[0]!.seq <= upTo) notes.shift();
    },

    async count(host) {
      open();
      return names.get(host)?.size ?? 0;
    },
  };

  return { store, exists: (host, username) => accounts.get(host, username) !== undefined };
}
