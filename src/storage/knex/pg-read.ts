// The hot point reads (fast-read.ts) on PostgreSQL: each SQL text runs as a named prepared
// statement on a connection from knex's pool. Through knex.raw every read is an unnamed statement
// that the server parses and plans again each time, and that knex compiles again on this side;
// a named one is parsed once per connection, and after a few executions PostgreSQL keeps a
// generic plan for it. The rows are those of knex.raw (the same driver, the same type parsers).
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { MAX_STATEMENTS, type FastReader } from './fast-read.js';

/** The part of a pooled pg connection used here. */
interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** `sql` with its `?` placeholders numbered as PostgreSQL's `$1`, `$2`, ... */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function pgReader(db: Knex): FastReader {
  const statements = new Map<string, { name: string; text: string }>();
  const statement = (sql: string): { name: string; text: string } => {
    let st = statements.get(sql);
    if (st) return st;
    if (statements.size >= MAX_STATEMENTS) throw new Error('storage: too many distinct fast-read statements');
    // Named by the text: readers sharing a pool agree on names, and two texts never share one.
    const text = numberPlaceholders(sql);
    st = { name: `starling_read_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
    statements.set(sql, st);
    return st;
  };
  return {
    async all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
      const { name, text } = statement(sql);
      const conn = (await db.client.acquireConnection()) as PgConnection;
      try {
        const res = await conn.query({ name, text, values: [...params] });
        return res.rows as T[];
      } finally {
        await db.client.releaseConnection(conn);
      }
    },
    async close() {
      // The pool, and the statements prepared on its connections, are closed by knex's owner.
    },
  };
}
