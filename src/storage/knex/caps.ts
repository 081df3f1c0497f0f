// CapsStore over knex: verified XEP-0115 verification strings. A second put of the same
// string keeps the first value (both were verified against the same hash).
import type { Knex } from 'knex';
import type { CapsStore } from '../types.js';

export function knexCapsStore(db: Knex): CapsStore {
  return {
    async get(hash, ver) {
      const row: { info: string } | undefined = await db('caps_cache').where({ hash, ver }).first('info');
      return row?.info;
    },

    async put(hash, ver, info, maxEntries) {
      // Puts are rare (a verification string seen for the first time): a count each is cheap.
      const row = await db('caps_cache').count({ n: '*' }).first();
      if (Number((row as { n?: unknown } | undefined)?.n ?? 0) >= maxEntries) return;
      await db('caps_cache').insert({ hash, ver, info }).onConflict(['hash', 'ver']).ignore();
    },
  };
}
