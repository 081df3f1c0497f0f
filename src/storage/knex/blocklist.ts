// BlockStore over knex (XEP-0191). Lists are sorted by code point in JavaScript, so the
// order is the same whatever the database collation.
import type { Knex } from 'knex';
import type { BlockStore } from '../types.js';
import type { FastReader } from './fast-read.js';
import { chunks, compareCodePoints, isForeignKeyViolation } from './rows.js';

const LIST = 'select jid from blocklist where host = ? and username = ?';

export function knexBlockStore(db: Knex, reader: FastReader): BlockStore {
  return {
    async list(host, username) {
      const rows = await reader.all<{ jid: string }>(LIST, [host, username]);
      return rows.map((r) => r.jid).sort(compareCodePoints);
    },

    async add(host, username, jids) {
      const unique = [...new Set(jids)];
      if (unique.length === 0) return;
      try {
        await db.transaction(async (trx) => {
          for (const part of chunks(unique, 200)) {
            await trx('blocklist')
              .insert(part.map((jid) => ({ host, username, jid })))
              .onConflict(['host', 'username', 'jid'])
              .ignore();
          }
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: blocklist add for an account that does not exist');
        throw err;
      }
    },

    async remove(host, username, jids) {
      if (jids === undefined) {
        await db('blocklist').where({ host, username }).delete();
        return;
      }
      if (jids.length === 0) return;
      await db.transaction(async (trx) => {
        for (const part of chunks(jids)) await trx('blocklist').where({ host, username }).whereIn('jid', part).delete();
      });
    },
  };
}
