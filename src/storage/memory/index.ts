// In-memory Storage for tests and throwaway servers. It follows the same contract as the
// knex implementation (test/storage/contract.ts): Buffers are copied in and out so callers
// can never alias stored keys, key/value data needs an existing account, and deleting an
// account removes its data.
import type { AccountRecord, AccountStore, Credentials, KeyValueStore, ScramCredential, Storage } from '../types.js';

interface Account {
  credentials: Credentials;
  createdAt: Date;
  kv: Map<string, string>;
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

/** Code-point (= UTF-8 byte) order, as the SQL stores sort. */
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function createMemoryStorage(): Storage {
  const hosts = new Map<string, Map<string, Account>>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('storage: closed');
  };
  const find = (host: string, username: string): Account | undefined => hosts.get(host)?.get(username);

  const accounts: AccountStore = {
    async create(host, username, credentials) {
      open();
      const copy = copyCredentials(credentials);
      let users = hosts.get(host);
      if (!users) hosts.set(host, (users = new Map()));
      if (users.has(username)) return false;
      users.set(username, { credentials: copy, createdAt: new Date(), kv: new Map() });
      return true;
    },

    async get(host, username) {
      open();
      const a = find(host, username);
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
      const a = find(host, username);
      if (!a) return false;
      a.credentials = copy;
      return true;
    },

    async delete(host, username) {
      open();
      const users = hosts.get(host);
      if (!users?.delete(username)) return false;
      if (users.size === 0) hosts.delete(host);
      return true;
    },

    async list(host) {
      open();
      return [...(hosts.get(host)?.keys() ?? [])].sort(compareCodePoints);
    },

    async count(host) {
      open();
      return hosts.get(host)?.size ?? 0;
    },
  };

  const keyValue: KeyValueStore = {
    async get(host, username, key) {
      open();
      return find(host, username)?.kv.get(key);
    },

    async set(host, username, key, value) {
      open();
      const a = find(host, username);
      if (!a) throw new Error('storage: key/value set for an account that does not exist');
      a.kv.set(key, value);
    },

    async delete(host, username, key) {
      open();
      return find(host, username)?.kv.delete(key) ?? false;
    },
  };

  return {
    kind: 'memory',
    accounts,
    keyValue,
    async migrate() {
      open();
    },
    async close() {
      closed = true;
    },
  };
}
