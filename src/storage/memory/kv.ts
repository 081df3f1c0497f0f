// In-memory KeyValueStore: values need an existing account, and go with it.
import type { KeyValueStore } from '../types.js';
import { PerAccount, requireAccount, type MemoryContext } from './shared.js';

export interface MemoryKeyValueStore extends KeyValueStore {
  forget(host: string, username: string): void;
}

export function memoryKeyValueStore(ctx: MemoryContext): MemoryKeyValueStore {
  const users = new PerAccount<Map<string, string>>();
  return {
    async get(host, username, key) {
      ctx.open();
      return users.get(host, username)?.get(key);
    },

    async set(host, username, key, value) {
      requireAccount(ctx, host, username, 'key/value set');
      users.getOrCreate(host, username, () => new Map()).set(key, value);
    },

    async setMany(entries) {
      ctx.open();
      const written = new Set<string>();
      for (const e of entries) {
        if (!ctx.exists(e.host, e.username)) continue;
        users.getOrCreate(e.host, e.username, () => new Map()).set(e.key, e.value);
        written.add(JSON.stringify([e.host, e.username, e.key]));
      }
      return written.size;
    },

    async delete(host, username, key) {
      ctx.open();
      return users.get(host, username)?.delete(key) ?? false;
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
