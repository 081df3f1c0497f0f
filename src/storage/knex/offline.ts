// OfflineStore over knex (XEP-0160). push checks the quota and inserts in one transaction
// that first locks the account row, so two concurrent pushes cannot both pass the quota: on
// PostgreSQL with SELECT ... FOR UPDATE, on SQLite with a no-op UPDATE that takes the
// database write lock at once (SQLite serialises writers; a deferred transaction that read
// first could fail to upgrade its lock later).
import type { Knex } from 'knex';
import type { OfflineMessage, OfflineStore } from '../types.js';
import type { FastReader } from './fast-read.js';
import { chunks, lockAccount, toCount, toDate, toInt } from './rows.js';

/** Hot reads (every session start), through the fast reader. */
const SQL = {
  list: 'select id, stanza, stored_at from offline_messages where host = ? and username = ? order by id asc',
  count: 'select count(*) as n from offline_messages where host = ? and username = ?',
};

export function knexOfflineStore(db: Knex, reader: FastReader, driver: 'sqlite' | 'postgres'): OfflineStore {
  return {
    async push(host, username, stanza, limit) {
      return db.transaction(async (trx) => {
        if (!(await lockAccount(trx, driver, host, username))) throw new Error('storage: offline push for an account that does not exist');
        const row = await trx('offline_messages').where({ host, username }).count({ n: '*' }).first();
        if (toCount((row as { n?: unknown } | undefined)?.n) >= limit) return undefined;
        const ids: ({ id: unknown } | unknown)[] = await trx('offline_messages')
          .insert({ host, username, stanza, stored_at: new Date() })
          .returning('id');
        const first = ids[0];
        const id = typeof first === 'object' && first !== null && 'id' in first ? (first as { id: unknown }).id : first;
        return toInt(id);
      });
    },

    async list(host, username) {
      const rows = await reader.all<{ id: unknown; stanza: string; stored_at: unknown }>(SQL.list, [host, username]);
      return rows.map((r): OfflineMessage => ({ id: toInt(r.id), stanza: r.stanza, stored: toDate(r.stored_at) }));
    },

    async remove(host, username, ids) {
      if (ids.length === 0) return;
      await db.transaction(async (trx) => {
        for (const part of chunks(ids)) await trx('offline_messages').where({ host, username }).whereIn('id', part).delete();
      });
    },

    async count(host, username) {
      const [row] = await reader.all<{ n: unknown }>(SQL.count, [host, username]);
      return toCount(row?.n);
    },
  };
}
