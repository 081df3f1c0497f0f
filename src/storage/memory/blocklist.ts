// In-memory BlockStore (the data behind XEP-0191).
import type { BlockStore } from '../types.js';
import { compareCodePoints, PerAccount, requireAccount, type MemoryContext } from './shared.js';

export interface MemoryBlockStore extends BlockStore {
  forget(host: string, username: string): void;
}

export function memoryBlockStore(ctx: MemoryContext): MemoryBlockStore {
  const users = new PerAccount<Set<string>>();
  const read = (host: string, username: string): Set<string> | undefined => {
    ctx.open();
    return users.get(host, username);
  };

  return {
    async list(host, username) {
      return [...(read(host, username) ?? [])].sort(compareCodePoints);
    },

    async add(host, username, jids) {
      ctx.open();
      if (jids.length === 0) return;
      requireAccount(ctx, host, username, 'blocklist add');
      const set = users.getOrCreate(host, username, () => new Set());
      for (const j of jids) set.add(j);
    },

    async remove(host, username, jids) {
      const set = read(host, username);
      if (!set) return;
      if (jids === undefined) set.clear();
      else for (const j of jids) set.delete(j);
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
