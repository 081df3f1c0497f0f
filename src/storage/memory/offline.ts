// In-memory OfflineStore. Ids grow across all accounts, like an auto-increment column.
import type { OfflineMessage, OfflineStore } from '../types.js';
import { PerAccount, requireAccount, type MemoryContext } from './shared.js';

export interface MemoryOfflineStore extends OfflineStore {
  forget(host: string, username: string): void;
}

export function memoryOfflineStore(ctx: MemoryContext): MemoryOfflineStore {
  const users = new PerAccount<OfflineMessage[]>();
  let nextId = 1;
  const copy = (m: OfflineMessage): OfflineMessage => ({ id: m.id, stanza: m.stanza, stored: new Date(m.stored.getTime()) });
  const read = (host: string, username: string): OfflineMessage[] | undefined => {
    ctx.open();
    return users.get(host, username);
  };

  return {
    async push(host, username, stanza, limit) {
      requireAccount(ctx, host, username, 'offline push');
      const list = users.getOrCreate(host, username, () => []);
      if (list.length >= limit) return undefined;
      const id = nextId++;
      list.push({ id, stanza, stored: new Date() });
      return id;
    },

    async list(host, username) {
      return (read(host, username) ?? []).map(copy);
    },

    async remove(host, username, ids) {
      const list = read(host, username);
      if (!list || ids.length === 0) return;
      const drop = new Set(ids);
      const keep = list.filter((m) => !drop.has(m.id));
      list.splice(0, list.length, ...keep);
    },

    async count(host, username) {
      return read(host, username)?.length ?? 0;
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
