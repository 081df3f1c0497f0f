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

    async delete(host, username, key) {
      ctx.open();
      return users.get(host, username)?.delete(key) ?? false;
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
