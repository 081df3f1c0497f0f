// Point reads on the hot paths (credentials at every login, roster and per-account state at
// every session start) without knex's per-query cost. For an SQLite file they run on a second,
// read-only connection with one prepared statement per SQL text: through knex each query
// acquires the pooled connection, compiles its SQL, and prepares, runs and finalises a
// statement, three hops through the libuv thread pool instead of one (about 140 µs of CPU per
// lookup against 60 µs; docs/performance-log.md). In WAL mode the reader never blocks the writer
// and every statement sees what was committed before it started, so a write awaited on the
// main connection is visible to the next read. In-memory databases (the reader would open a
// different database) go through knex.raw with the same SQL; PostgreSQL through named prepared
// statements (pg-read.ts).
import type { Knex } from 'knex';
import type { Database, Statement } from 'sqlite3';

export interface FastReader {
  /** Runs one SELECT with `?` placeholders; the SQL must be a constant (it keys the cache). */
  all<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Upper bound of cached statements: the SQL texts are constants, so this is never reached in use. */
export const MAX_STATEMENTS = 64;

export function knexReader(db: Knex): FastReader {
  return {
    async all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
      const res: unknown = await db.raw(sql, params as Knex.RawBinding[]);
      // sqlite3 returns the rows, pg a result object that holds them.
      if (Array.isArray(res)) return res as T[];
      return (res as { rows: T[] }).rows;
    },
    async close() {
      // knex's connection is closed by its owner.
    },
  };
}

/**
 * The reader of an SQLite file. The connection opens at the first read, after the schema was
 * migrated by the main connection (a read-only connection cannot create the file).
 */
export function lazySqliteReader(filename: string, busyTimeoutMs: number): FastReader {
  let opening: Promise<FastReader> | undefined;
  let ready: FastReader | undefined;
  let closed = false;
  return {
    async all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
      if (closed) throw new Error('storage: closed');
      if (ready) return ready.all<T>(sql, params);
      if (!opening) {
        opening = sqliteReader(filename, busyTimeoutMs);
        // A failed open is tried again at the next read.
        opening.then((r) => (ready = r), () => (opening = undefined));
      }
      return (await opening).all<T>(sql, params);
    },
    async close() {
      closed = true;
      if (opening) await (await opening.catch(() => undefined))?.close();
    },
  };
}

async function sqliteReader(filename: string, busyTimeoutMs: number): Promise<FastReader> {
  const { default: sqlite3 } = await import('sqlite3');
  const conn = await new Promise<Database>((resolve, reject) => {
    const d: Database = new sqlite3.Database(filename, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  conn.configure('busyTimeout', busyTimeoutMs);
  const statements = new Map<string, Statement>();
  let closed = false;

  const prepare = (sql: string): Statement => {
    let st = statements.get(sql);
    if (st) return st;
    if (statements.size >= MAX_STATEMENTS) throw new Error('storage: too many distinct fast-read statements');
    // A statement that fails to prepare passes its error to the calls queued on it; it is
    // dropped so that the next call tries again.
    st = conn.prepare(sql, (err: Error | null) => {
      if (err) statements.delete(sql);
    });
    statements.set(sql, st);
    return st;
  };

  return {
    all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
      if (closed) return Promise.reject(new Error('storage: closed'));
      return new Promise<T[]>((resolve, reject) => {
        prepare(sql).all(params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...statements.values()].map((st) => new Promise<void>((resolve) => st.finalize(() => resolve()))));
      statements.clear();
      await new Promise<void>((resolve, reject) => conn.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
