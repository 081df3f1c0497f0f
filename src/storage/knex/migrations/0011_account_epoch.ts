// A counter the database raises at every change to an account or its credentials, whoever makes
// it (the server, the CLI, another process, plain SQL): AccountStore.epoch. The server's cache of
// account records (core/account-cache.ts) polls it, so a password changed or an account deleted
// behind the server's back stops working within one poll.
import type { Knex } from 'knex';

const TABLE = 'account_epoch';
/** The tables whose changes move the counter, and the changes that matter for a cache. */
const WATCHED: readonly (readonly [string, readonly string[]])[] = [
  ['account_credentials', ['INSERT', 'UPDATE', 'DELETE']],
  ['accounts', ['UPDATE', 'DELETE']],
];
const PG_FUNCTION = 'starling_account_epoch_bump';

const isPostgres = (knex: Knex): boolean => knex.client.config.client === 'pg';
const triggerName = (table: string, op: string): string => `${TABLE}_${table}_${op.toLowerCase()}`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TABLE, (t) => {
    t.integer('id').primary();
    t.bigInteger('n').notNullable();
  });
  await knex(TABLE).insert({ id: 1, n: 0 });
  const bump = `UPDATE ${TABLE} SET n = n + 1 WHERE id = 1`;
  if (isPostgres(knex)) {
    // One bump per statement, whatever the number of rows.
    await knex.raw(`CREATE FUNCTION ${PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${bump}; RETURN NULL; END $$`);
    for (const [table, ops] of WATCHED) {
      await knex.raw(`CREATE TRIGGER ${TABLE}_${table} AFTER ${ops.join(' OR ')} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${PG_FUNCTION}()`);
    }
    return;
  }
  // SQLite has row triggers only.
  for (const [table, ops] of WATCHED) {
    for (const op of ops) await knex.raw(`CREATE TRIGGER ${triggerName(table, op)} AFTER ${op} ON ${table} BEGIN ${bump}; END`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    for (const [table] of WATCHED) await knex.raw(`DROP TRIGGER IF EXISTS ${TABLE}_${table} ON ${table}`);
    await knex.raw(`DROP FUNCTION IF EXISTS ${PG_FUNCTION}()`);
  } else {
    for (const [table, ops] of WATCHED) {
      for (const op of ops) await knex.raw(`DROP TRIGGER IF EXISTS ${triggerName(table, op)}`);
    }
  }
  await knex.schema.dropTable(TABLE);
}
