// A cheap answer to "is the schema current?" for the start of every process. knex's
// `migrate.latest` on a current schema still checks both bookkeeping tables, takes and frees its
// lock row in a transaction and reads the batch number (about ten statements, two of them
// writes), and on SQLite we hold a lock file around it. Two reads tell the same thing in the
// common case; whenever they do not show exactly the state in which `latest` would do nothing
// and succeed, the caller runs `latest` as before, so its errors and waits stay knex's own.
import type { Knex } from 'knex';

/**
 * True when `latest` would apply nothing and succeed: every known migration is recorded, no
 * unknown one is (knex would call that a corrupt migration list), and exactly one lock row is
 * free (knex's lock update must change one row). False otherwise, including when the
 * bookkeeping tables do not exist yet.
 */
export async function migrationsUpToDate(db: Knex, tableName: string, known: readonly string[]): Promise<boolean> {
  // A database that cannot be reached fails here, once, with the error `latest` would give.
  await db.raw('select 1');
  let applied: { name: string }[];
  let locks: { is_locked: number | string | boolean }[];
  try {
    applied = await db(tableName).select('name');
    locks = await db(`${tableName}_lock`).select('is_locked');
  } catch {
    return false; // no bookkeeping tables yet (new database), or unreadable: `latest` decides and reports
  }
  const names = new Set(applied.map((r) => r.name));
  if (names.size !== applied.length || names.size !== known.length) return false;
  for (const name of known) if (!names.has(name)) return false;
  return locks.filter((r) => Number(r.is_locked) === 0).length === 1;
}
