// The deletion notes of migration 0012 become account notes of two kinds: 'deleted' (a row
// of accounts deleted) and 'credentials' (credentials written: a new password, or the account
// created, again or for the first time). Both are written by the database's own triggers,
// whoever makes the change (the server, the CLI, another process, plain SQL), in one numbered
// sequence: AccountStore.notesSince. A running server ends the sessions that logged in with
// credentials that are no longer the account's (core/account-notes.ts).
import type { Knex } from 'knex';

const OLD_TABLE = 'account_deletions';
const TABLE = 'account_notes';
/** Migration 0012's trigger and function, on the old table. */
const OLD_TRIGGER = 'account_deletions_note';
const OLD_PG_FUNCTION = 'starling_account_deletion_note';
const DELETED_TRIGGER = 'account_notes_deleted';
const CREDENTIALS_TRIGGER = 'account_notes_credentials';
const PG_DELETED_FUNCTION = 'starling_account_note_deleted';
const PG_CREDENTIALS_FUNCTION = 'starling_account_note_credentials';
/** SQLite has no trigger for several events: one per event. */
const CREDENTIAL_EVENTS = ['INSERT', 'UPDATE'] as const;

const isPostgres = (knex: Knex): boolean => knex.client.config.client === 'pg';

/** A row trigger on `table` that notes (host, username) of `row` ('OLD' or 'NEW') in `into`. */
async function noteTrigger(knex: Knex, name: string, pgFunction: string, events: readonly string[], table: string, row: 'OLD' | 'NEW', into: string, kind?: string): Promise<void> {
  const columns = kind ? '(host, username, kind)' : '(host, username)';
  const values = `(${row}.host, ${row}.username${kind ? `, '${kind}'` : ''})`;
  const insert = `INSERT INTO ${into} ${columns} VALUES ${values};`;
  if (isPostgres(knex)) {
    await knex.raw(`CREATE FUNCTION ${pgFunction}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${insert} RETURN NULL; END $$`);
    await knex.raw(`CREATE TRIGGER ${name} AFTER ${events.join(' OR ')} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${pgFunction}()`);
    return;
  }
  const suffix = (event: string): string => (events.length > 1 ? `_${event.toLowerCase()}` : '');
  for (const event of events) await knex.raw(`CREATE TRIGGER ${name}${suffix(event)} AFTER ${event} ON ${table} BEGIN ${insert} END`);
}

async function dropNoteTrigger(knex: Knex, name: string, pgFunction: string, events: readonly string[], table: string): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${name} ON ${table}`);
    await knex.raw(`DROP FUNCTION IF EXISTS ${pgFunction}()`);
    return;
  }
  const suffix = (event: string): string => (events.length > 1 ? `_${event.toLowerCase()}` : '');
  for (const event of events) await knex.raw(`DROP TRIGGER IF EXISTS ${name}${suffix(event)}`);
}

export async function up(knex: Knex): Promise<void> {
  await dropNoteTrigger(knex, OLD_TRIGGER, OLD_PG_FUNCTION, ['DELETE'], 'accounts');
  await knex.schema.renameTable(OLD_TABLE, TABLE);
  await knex.schema.alterTable(TABLE, (t) => {
    // Notes kept from before are deletions.
    t.string('kind', 16).notNullable().defaultTo('deleted');
  });
  await noteTrigger(knex, DELETED_TRIGGER, PG_DELETED_FUNCTION, ['DELETE'], 'accounts', 'OLD', TABLE, 'deleted');
  await noteTrigger(knex, CREDENTIALS_TRIGGER, PG_CREDENTIALS_FUNCTION, CREDENTIAL_EVENTS, 'account_credentials', 'NEW', TABLE, 'credentials');
}

export async function down(knex: Knex): Promise<void> {
  await dropNoteTrigger(knex, CREDENTIALS_TRIGGER, PG_CREDENTIALS_FUNCTION, CREDENTIAL_EVENTS, 'account_credentials');
  await dropNoteTrigger(knex, DELETED_TRIGGER, PG_DELETED_FUNCTION, ['DELETE'], 'accounts');
  // Deletion notes not yet acted upon stay for the older server.
  await knex(TABLE).whereNot('kind', 'deleted').delete();
  await knex.schema.alterTable(TABLE, (t) => {
    t.dropColumn('kind');
  });
  await knex.schema.renameTable(TABLE, OLD_TABLE);
  await noteTrigger(knex, OLD_TRIGGER, OLD_PG_FUNCTION, ['DELETE'], 'accounts', 'OLD', OLD_TABLE);
}
