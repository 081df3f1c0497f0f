// KeyValueStore over knex: single statements, so no explicit transactions are needed.
import type { Knex } from 'knex';
import type { KeyValueEntry, KeyValueStore } from '../types.js';
import type { FastReader } from './fast-read.js';
import { isForeignKeyViolation, ofExistingAccounts, valuesList } from './rows.js';

/** Rows per statement of setMany. */
const SET_MANY_CHUNK = 200;

/** setMany's multi-row upsert, in plain SQL that SQLite and PostgreSQL share. Built with knex's
 *  query builder, a batch of 190 last-activity rows (one per logout) took 2.2-2.8 ms of CPU on
 *  SQLite, this way 1.7-2.1 ms (docs/performance-log.md). */
function upsertSql(rows: number): string {
  return `insert into kv (host, username, "key", value) values ${valuesList(rows, '(?, ?, ?, ?)')} on conflict (host, username, "key") do update set value = excluded.value`;
}

const GET = 'select value from kv where host = ? and username = ? and key = ?';

export function knexKeyValueStore(db: Knex, reader: FastReader): KeyValueStore {
  return {
    async get(host, username, key) {
      const [row] = await reader.all<{ value: string }>(GET, [host, username, key]);
      return row?.value;
    },

    async set(host, username, key, value) {
      try {
        await db('kv').insert({ host, username, key, value }).onConflict(['host', 'username', 'key']).merge(['value']);
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: key/value set for an account that does not exist');
        throw err;
      }
    },

    async setMany(entries) {
      // The last entry for an account and key wins, as if they were set one after another.
      const latest = new Map<string, KeyValueEntry>();
      for (const e of entries) latest.set(JSON.stringify([e.host, e.username, e.key]), e);
      if (latest.size === 0) return 0;
      const rows = [...latest.values()];
      let written = 0;
      // In chunks, under SQLite's limit on terms of a compound SELECT (knex's multi-row insert).
      for (let i = 0; i < rows.length; i += SET_MANY_CHUNK) {
        const chunk = rows.slice(i, i + SET_MANY_CHUNK);
        written += await db.transaction(async (trx) => {
          // Only rows of existing accounts; the upsert of a row whose account goes away between
          // the two statements fails the chunk (reported to the caller).
          const ok = await ofExistingAccounts(trx, chunk);
          if (ok.length === 0) return 0;
          const values: string[] = [];
          for (const e of ok) values.push(e.host, e.username, e.key, e.value);
          await trx.raw(upsertSql(ok.length), values);
          return ok.length;
        });
      }
      return written;
    },

    async delete(host, username, key) {
      const n = await db('kv').where({ host, username, key }).delete();
      return n > 0;
    },
  };
}
