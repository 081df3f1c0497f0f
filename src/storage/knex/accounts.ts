// AccountStore over knex. Every multi-statement write runs in one transaction, and each
// transaction begins with a write so that SQLite takes the write lock at once (and waits
// busy_timeout for it) instead of failing to upgrade a read snapshot later.
import type { Knex } from 'knex';
import type { AccountRecord, AccountStore, Credentials, ScramHash } from '../types.js';
import type { FastReader } from './fast-read.js';
import { compareCodePoints, isForeignKeyViolation, toBuffer, toCount, toDate, type CredentialRow } from './rows.js';

const HASHES: readonly ScramHash[] = ['sha1', 'sha256'];

/** Tables of per-account data, all with ON DELETE CASCADE to `accounts`. */
const ACCOUNT_DATA_TABLES = [
  'kv',
  'roster_items',
  'roster_removed',
  'roster_pending_in',
  'roster_versions',
  'offline_messages',
  'blocklist',
  'archive_messages',
  'archive_prefs',
] as const;

function credentialRows(host: string, username: string, credentials: Credentials): Record<string, unknown>[] {
  return HASHES.map((hash) => {
    const c = credentials[hash];
    if (!c) throw new TypeError(`storage: credentials for ${hash} missing`);
    return {
      host,
      username,
      hash,
      salt: Buffer.from(c.salt),
      iterations: c.iterations,
      stored_key: Buffer.from(c.storedKey),
      server_key: Buffer.from(c.serverKey),
    };
  });
}

function readCredentials(rows: CredentialRow[]): Credentials {
  const out: Partial<Credentials> = {};
  for (const r of rows) {
    if (r.hash === null || !(HASHES as readonly string[]).includes(r.hash)) continue;
    out[r.hash as ScramHash] = {
      salt: toBuffer(r.salt),
      iterations: Number(r.iterations),
      storedKey: toBuffer(r.stored_key),
      serverKey: toBuffer(r.server_key),
    };
  }
  for (const h of HASHES) if (!out[h]) throw new Error(`storage: account has no ${h} credentials`);
  return out as Credentials;
}

/** The account and its credentials in one statement, so both come from the same snapshot. */
const GET_ACCOUNT = 'select a.created_at, c.hash, c.salt, c.iterations, c.stored_key, c.server_key'
  + ' from accounts a left join account_credentials c on c.host = a.host and c.username = a.username'
  + ' where a.host = ? and a.username = ?';

/** Migration 0011: kept by triggers. */
const GET_EPOCH = 'select n from account_epoch where id = 1';
/** Migration 0013: written by triggers on accounts and account_credentials. */
const GET_NOTES = 'select seq, host, username, kind from account_notes where seq > ? order by seq limit ?';

export function knexAccountStore(db: Knex, reader: FastReader): AccountStore {
  return {
    async create(host, username, credentials) {
      const rows = credentialRows(host, username, credentials);
      return db.transaction(async (trx) => {
        // ON CONFLICT DO NOTHING: a duplicate is a normal outcome, not an aborted transaction.
        const inserted: unknown[] = await trx('accounts')
          .insert({ host, username, created_at: new Date() })
          .onConflict(['host', 'username'])
          .ignore()
          .returning('username');
        if (inserted.length === 0) return false;
        await trx('account_credentials').insert(rows);
        return true;
      });
    },

    async get(host, username) {
      const rows = await reader.all<CredentialRow & { created_at: unknown }>(GET_ACCOUNT, [host, username]);
      const first = rows[0];
      if (!first) return undefined;
      const record: AccountRecord = {
        host,
        username,
        credentials: readCredentials(rows),
        createdAt: toDate(first.created_at),
      };
      return record;
    },

    async setCredentials(host, username, credentials) {
      const rows = credentialRows(host, username, credentials);
      try {
        return await db.transaction(async (trx) => {
          await trx('account_credentials').where({ host, username }).delete();
          const exists = await trx('accounts').where({ host, username }).first('username');
          if (!exists) return false;
          await trx('account_credentials').insert(rows);
          await trx('fast_tokens').where({ host, username }).delete();
          return true;
        });
      } catch (err) {
        // The account was deleted by another connection between the check and the insert.
        if (isForeignKeyViolation(err)) return false;
        throw err;
      }
    },

    async delete(host, username) {
      return db.transaction(async (trx) => {
        // Explicit deletes besides ON DELETE CASCADE, so removal never hinges on the
        // SQLite foreign_keys pragma being on.
        for (const table of ACCOUNT_DATA_TABLES) await trx(table).where({ host, username }).delete();
        await trx('account_credentials').where({ host, username }).delete();
        const n = await trx('accounts').where({ host, username }).delete();
        return n > 0;
      });
    },

    async list(host) {
      const rows: { username: string }[] = await db('accounts').where({ host }).select('username');
      return rows.map((r) => r.username).sort(compareCodePoints);
    },

    async epoch() {
      const [row] = await reader.all<{ n: unknown }>(GET_EPOCH, []);
      return row ? Number(row.n) : 0;
    },

    async notesSince(after, limit) {
      const rows = await reader.all<{ seq: unknown; host: string; username: string; kind: string }>(GET_NOTES, [after, limit]);
      return rows.map((r) => ({ seq: Number(r.seq), host: r.host, username: r.username, kind: r.kind === 'deleted' ? 'deleted' : 'credentials' }));
    },

    async forgetNotes(upTo) {
      await db('account_notes').where('seq', '<=', upTo).delete();
    },

    async count(host) {
      const row = await db('accounts').where({ host }).count({ n: '*' }).first();
      return toCount((row as { n?: unknown } | undefined)?.n);
    },
  };
}
