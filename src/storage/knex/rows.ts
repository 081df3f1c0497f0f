// Conversions between rows and API values, and the portable reading of driver errors, shared
// by the knex stores. SQLite (sqlite3) and PostgreSQL (pg) return the same columns in
// different JavaScript types; everything is normalised here.
import type { Knex } from 'knex';

/** Rows of `account_credentials` as both drivers return them. */
export interface CredentialRow {
  /** null only in a left join that found no credentials. */
  hash: string | null;
  salt: Uint8Array;
  iterations: number | string;
  stored_key: Uint8Array;
  server_key: Uint8Array;
}

/** A fresh Buffer with the bytes of a BLOB/bytea value. */
export function toBuffer(v: Uint8Array): Buffer {
  return Buffer.from(v);
}

/**
 * created_at as a Date. pg returns timestamptz as a Date; sqlite3 stores a bound Date as
 * milliseconds and returns a number; a default of CURRENT_TIMESTAMP reads back in SQLite as
 * 'YYYY-MM-DD HH:MM:SS' in UTC without a zone.
 */
export function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number' || typeof v === 'bigint') return new Date(Number(v));
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v)) return new Date(Number(v));
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(v)) return new Date(v.replace(' ', 'T') + 'Z');
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new Error('storage: unreadable timestamp in created_at');
}

/** COUNT(*) is a number in SQLite and a bigint string in PostgreSQL. */
export function toCount(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

function errorFields(err: unknown): { code?: unknown; message: string } {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as { code?: unknown; message?: unknown };
  return { code: e.code, message: typeof e.message === 'string' ? e.message : '' };
}

/** A foreign-key violation: PostgreSQL SQLSTATE 23503, or SQLite's constraint error. */
export function isForeignKeyViolation(err: unknown): boolean {
  const { code, message } = errorFields(err);
  if (code === '23503') return true;
  return code === 'SQLITE_CONSTRAINT' && /FOREIGN KEY/i.test(message);
}

/** Code-point (= UTF-8 byte) order, the same in every backend whatever the DB collation. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A boolean column: SQLite returns 0/1, PostgreSQL true/false. */
export function toBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

/** An integer column or bigint id (PostgreSQL returns bigint as a string). */
export function toInt(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new Error('storage: unreadable integer column');
  return n;
}

/** The VALUES list of a multi-row statement: `row` (its placeholders) `rows` times. */
export function valuesList(rows: number, row: string): string {
  return new Array<string>(rows).fill(row).join(', ');
}

/** Splits a long IN list so no statement exceeds SQLite's bound-variable limit. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The rows whose account exists (per-account data must not outlive its account): per host, one
 * `host = ? AND username IN (...)` read per 200 distinct accounts. Not a row-value
 * `(host, username) IN ((?, ?), ...)`: PostgreSQL 15 reads that as a filter over every account
 * of the host, where this form looks each name up (200 names among 50,000 accounts: 7.7 against
 * 163 ms before the table has statistics, 2 against 13 ms after; docs/performance-log.md,
 * "Existence checks of batched writes"). Pass a transaction to read in it.
 */
export async function ofExistingAccounts<T extends { host: string; username: string }>(db: Knex, rows: readonly T[]): Promise<T[]> {
  const namesByHost = new Map<string, Set<string>>();
  for (const r of rows) {
    const names = namesByHost.get(r.host);
    if (names) names.add(r.username);
    else namesByHost.set(r.host, new Set([r.username]));
  }
  const found = new Map<string, Set<string>>();
  for (const [host, names] of namesByHost) {
    const existing = new Set<string>();
    for (const part of chunks([...names], 200)) {
      const hits: { username: string }[] = await db('accounts').where('host', host).whereIn('username', part).select('username');
      for (const a of hits) existing.add(a.username);
    }
    found.set(host, existing);
  }
  return rows.filter((r) => found.get(r.host)?.has(r.username) === true);
}

/**
 * Locks an account's row for the rest of the transaction, so per-account quotas checked in it
 * hold against concurrent writers: SELECT ... FOR UPDATE on PostgreSQL; on SQLite a no-op
 * UPDATE, which takes the database write lock at once (a deferred transaction that read first
 * could fail to upgrade its lock later). False when the account does not exist.
 */
export async function lockAccount(trx: Knex.Transaction, driver: 'sqlite' | 'postgres', host: string, username: string): Promise<boolean> {
  if (driver === 'postgres') {
    const row: unknown = await trx('accounts').where({ host, username }).forUpdate().first('username');
    return row !== undefined;
  }
  const n = await trx('accounts')
    .where({ host, username })
    .update({ created_at: trx.ref('created_at') });
  return n > 0;
}
