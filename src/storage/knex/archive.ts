// ArchiveStore over knex (XEP-0313, XEP-0441). Every query is a range scan of one of the
// composite indexes of migration 0007 in id order, so a page costs the same at the start and at
// the end of a million-message archive. append writes a whole batch in one transaction.
import type { Knex } from 'knex';
import type { ArchivedMessage, ArchiveEntry, ArchiveFilter, ArchivePrefs, ArchiveStore } from '../types.js';
import type { FastReader } from './fast-read.js';
import { chunks, isForeignKeyViolation, ofExistingAccounts, toCount, toInt, valuesList } from './rows.js';

const TABLE = 'archive_messages';
/** Rows per INSERT statement: 7 bound values each stays far below SQLite's variable limit. */
const INSERT_ROWS = 400;

const COLUMNS = ['id', 'ts', 'with_jid', 'with_resource', 'stanza'] as const;
const INSERT_HEAD = `insert into ${TABLE} (host, username, id, ts, with_jid, with_resource, stanza) values `;
const INSERT_ROW = '(?, ?, ?, ?, ?, ?, ?)';

/** INSERT of `rows` rows; a message archived twice (a retried batch) is kept once. */
function insertSql(rows: number): string {
  return `${INSERT_HEAD}${valuesList(rows, INSERT_ROW)} on conflict (host, username, id) do nothing`;
}
/** A selected row; ts is a number in SQLite and a bigint string in PostgreSQL. */
type Row = Record<(typeof COLUMNS)[number], unknown>;

function toMessage(r: Row): ArchivedMessage {
  return { id: String(r.id), at: new Date(toInt(r.ts)), with: String(r.with_jid), withResource: String(r.with_resource), stanza: String(r.stanza) };
}

function filtered(db: Knex, host: string, username: string, f: ArchiveFilter): Knex.QueryBuilder {
  const q = db(TABLE).where({ host, username });
  if (f.with !== undefined) q.andWhere('with_jid', f.with);
  if (f.withResource !== undefined) q.andWhere('with_resource', f.withResource);
  if (f.after !== undefined) q.andWhere('id', '>', f.after);
  if (f.before !== undefined) q.andWhere('id', '<', f.before);
  if (f.ids !== undefined) q.whereIn('id', [...f.ids]);
  return q;
}

function parsePrefs(row: { default_mode: string; always_jids: string; never_jids: string }): ArchivePrefs {
  const list = (text: string): string[] => {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((j): j is string => typeof j === 'string') : [];
  };
  const mode = row.default_mode;
  return { default: mode === 'never' || mode === 'roster' ? mode : 'always', always: list(row.always_jids), never: list(row.never_jids) };
}

const GET_PREFS = 'select default_mode, always_jids, never_jids from archive_prefs where host = ? and username = ?';

export function knexArchiveStore(db: Knex, reader: FastReader): ArchiveStore {
  async function insert(entries: readonly ArchiveEntry[]): Promise<void> {
    // Plain multi-row SQL: knex's query builder allocated about a third of all the bytes the
    // server allocates per routed message with the archive on (bench/alloc.ts).
    await db.transaction(async (trx) => {
      for (const part of chunks(entries, INSERT_ROWS)) {
        const values: unknown[] = [];
        for (const e of part) values.push(e.host, e.username, e.id, e.at.getTime(), e.with, e.withResource, e.stanza);
        await trx.raw(insertSql(part.length), values as Knex.RawBinding[]);
      }
    });
  }

  return {
    async append(entries) {
      if (entries.length === 0) return 0;
      // An account deleted between the check and the insert fails the batch on its foreign key:
      // check again once, so one deleted account never costs the others their messages.
      for (let attempt = 0; ; attempt++) {
        const kept = await ofExistingAccounts(db, entries);
        try {
          if (kept.length > 0) await insert(kept);
          return kept.length;
        } catch (err) {
          if (attempt > 0 || !isForeignKeyViolation(err)) throw err;
        }
      }
    },

    async query(host, username, q) {
      const rows: Row[] = await filtered(db, host, username, q)
        .orderBy('id', q.fromEnd ? 'desc' : 'asc')
        .limit(q.limit + 1)
        .select([...COLUMNS]);
      const complete = rows.length <= q.limit;
      const page = rows.slice(0, q.limit).map(toMessage);
      return { messages: q.fromEnd ? page.reverse() : page, complete };
    },

    async count(host, username, f) {
      const row = await filtered(db, host, username, f).count({ n: '*' }).first();
      return toCount((row as { n?: unknown } | undefined)?.n);
    },

    async missing(host, username, ids) {
      const found = new Set<string>();
      for (const part of chunks([...new Set(ids)])) {
        const rows: { id: string }[] = await db(TABLE).where({ host, username }).whereIn('id', part).select('id');
        for (const r of rows) found.add(r.id);
      }
      return ids.filter((id) => !found.has(id));
    },

    async bounds(host, username) {
      const end = async (dir: 'asc' | 'desc'): Promise<Row | undefined> =>
        (await db(TABLE).where({ host, username }).orderBy('id', dir).first([...COLUMNS])) as Row | undefined;
      const first = await end('asc');
      const last = await end('desc');
      return first && last ? { first: toMessage(first), last: toMessage(last) } : undefined;
    },

    async purge(host, before, limit) {
      if (limit <= 0) return 0;
      const old: { username: string; id: string }[] = await db(TABLE)
        .where('host', host)
        .andWhere('ts', '<', before.getTime())
        .orderBy('ts', 'asc')
        .limit(limit)
        .select('username', 'id');
      if (old.length === 0) return 0;
      const byUser = new Map<string, string[]>();
      for (const o of old) {
        const ids = byUser.get(o.username);
        if (ids) ids.push(o.id);
        else byUser.set(o.username, [o.id]);
      }
      await db.transaction(async (trx) => {
        for (const [username, ids] of byUser) {
          for (const part of chunks(ids)) await trx(TABLE).where({ host, username }).whereIn('id', part).delete();
        }
      });
      return old.length;
    },

    async getPrefs(host, username) {
      const [row] = await reader.all<{ default_mode: string; always_jids: string; never_jids: string }>(GET_PREFS, [host, username]);
      return row && parsePrefs(row);
    },

    async setPrefs(host, username, prefs) {
      const row = { host, username, default_mode: prefs.default, always_jids: JSON.stringify(prefs.always), never_jids: JSON.stringify(prefs.never) };
      try {
        await db('archive_prefs').insert(row).onConflict(['host', 'username']).merge(['default_mode', 'always_jids', 'never_jids']);
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: archive preferences for an account that does not exist');
        throw err;
      }
    },
  };
}
