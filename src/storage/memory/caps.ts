// In-memory CapsStore: verified XEP-0115 verification strings and what they stand for.
import type { CapsStore } from '../types.js';

export function memoryCapsStore(open: () => void): CapsStore {
  const entries = new Map<string, string>();
  const key = (hash: string, ver: string): string => `${hash}\n${ver}`;
  return {
    async get(hash, ver) {
      open();
      return entries.get(key(hash, ver));
    },

    async put(hash, ver, info, maxEntries) {
      open();
      const k = key(hash, ver);
      if (!entries.has(k) && entries.size < maxEntries) entries.set(k, info);
    },
  };
}
