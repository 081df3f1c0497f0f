// A note of every account deletion, whoever makes it (the server, the CLI, another process,
// plain SQL), written by the database's own trigger: AccountStore.deletedSince. A running server
// reads the notes to end the sessions and drop the in-memory state of accounts deleted behind
// its back (core/account-deletions.ts), then removes the notes it has acted upon.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';

const TABLE = 'account_deletions';
const TRIGGER = 'account_deletions_note';
const PG_FUNCTION = 'starling_account_deletion_note';

const isPostgres = (knex: Knex): boolean => knex.client.config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TABLE, (t) => {
    t.bigIncrements('seq').primary();
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
  });
  if (isPostgres(knex)) {
    await knex.raw(`CREATE FUNCTION ${PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN `
      + `INSERT INTO ${TABLE} (host, username) VALUES (OLD.host, OLD.username); RETURN NULL; END $$`);
    await knex.raw(`CREATE TRIGGER ${TRIGGER} AFTER DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION ${PG_FUNCTION}()`);
    return;
  }
  await knex.raw(`CREATE TRIGGER ${TRIGGER} AFTER DELETE ON accounts BEGIN `
    + `INSERT INTO ${TABLE} (host, username) VALUES (old.host, old.username); END`);
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${TRIGGER} ON accounts`);
    await knex.raw(`DROP FUNCTION IF EXISTS ${PG_FUNCTION}()`);
  } else {
    await knex.raw(`DROP TRIGGER IF EXISTS ${TRIGGER}`);
  }
  await knex.schema.dropTable(TABLE);
}
