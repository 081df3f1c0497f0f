// Message archives (XEP-0313) and archiving preferences (XEP-0441). An archive is ordered by
// its ids, which the archiving module makes time-ordered: paging, start/end and with-filtered
// queries are index range scans on (owner, id) and (owner, with, id), never OFFSETs. ids
// compare byte-wise in every backend: SQLite's default BINARY collation, "C" on PostgreSQL.
// The time of each message is kept to the millisecond for the delay stamps and retention.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';
import { BARE_JID_MAX } from './0003_roster.js';

/** Longest archive id accepted (the archiving module makes 21-character ones). */
export const ARCHIVE_ID_MAX = 64;

function isPostgres(knex: Knex): boolean {
  return (knex.client as { dialect?: string }).dialect === 'postgresql';
}

export async function up(knex: Knex): Promise<void> {
  const idType = isPostgres(knex) ? `varchar(${ARCHIVE_ID_MAX}) collate "C"` : `varchar(${ARCHIVE_ID_MAX})`;
  await knex.schema.createTable('archive_messages', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    t.specificType('id', idType).notNullable();
    /** Milliseconds since the epoch. */
    t.bigInteger('ts').notNullable();
    t.string('with_jid', BARE_JID_MAX).notNullable();
    t.string('with_resource', JID_PART_MAX).notNullable().defaultTo('');
    t.text('stanza').notNullable();
    t.primary(['host', 'username', 'id']);
    t.index(['host', 'username', 'with_jid', 'id'], 'archive_messages_with');
    t.index(['host', 'ts'], 'archive_messages_age');
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
  await knex.schema.createTable('archive_prefs', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    /** 'always' | 'never' | 'roster' */
    t.string('default_mode', 8).notNullable();
    /** JSON arrays of JIDs. */
    t.text('always_jids').notNullable();
    t.text('never_jids').notNullable();
    t.primary(['host', 'username']);
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('archive_prefs');
  await knex.schema.dropTable('archive_messages');
}
