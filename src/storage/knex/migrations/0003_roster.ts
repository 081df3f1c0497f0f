// Rosters (RFC 6121 §2) with versioning (XEP-0237). Each item carries the roster version at
// which it last changed; removed items leave a tombstone with the version of their removal so
// that changesSince can name them; tombstones are pruned to a bounded number per user and
// `removed_floor` records the newest pruned one (older client versions get the full roster).
// Groups are a JSON array in a text column: portable, and always read and written whole.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';

/** A bare JID: localpart@domainpart, each at most 1023 octets (RFC 7622 §3). */
export const BARE_JID_MAX = 2 * JID_PART_MAX + 1;

function owner(t: Knex.CreateTableBuilder): void {
  t.string('host', JID_PART_MAX).notNullable();
  t.string('username', JID_PART_MAX).notNullable();
}

function cascade(t: Knex.CreateTableBuilder): void {
  t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roster_versions', (t) => {
    owner(t);
    t.integer('version').notNullable().defaultTo(0);
    /** changesSince cannot answer for versions below this one. */
    t.integer('removed_floor').notNullable().defaultTo(0);
    t.primary(['host', 'username']);
    cascade(t);
  });
  await knex.schema.createTable('roster_items', (t) => {
    owner(t);
    t.string('jid', BARE_JID_MAX).notNullable();
    t.text('name').nullable();
    /** 'none' | 'to' | 'from' | 'both' */
    t.string('subscription', 8).notNullable();
    t.boolean('ask').notNullable();
    t.boolean('approved').notNullable();
    /** JSON array of group names, sorted, without duplicates. */
    t.text('item_groups').notNullable();
    t.integer('version').notNullable();
    t.primary(['host', 'username', 'jid']);
    cascade(t);
  });
  await knex.schema.createTable('roster_removed', (t) => {
    owner(t);
    t.string('jid', BARE_JID_MAX).notNullable();
    t.integer('version').notNullable();
    t.primary(['host', 'username', 'jid']);
    t.index(['host', 'username', 'version'], 'roster_removed_version');
    cascade(t);
  });
  await knex.schema.createTable('roster_pending_in', (t) => {
    owner(t);
    t.string('jid', BARE_JID_MAX).notNullable();
    t.text('stanza').notNullable();
    t.primary(['host', 'username', 'jid']);
    cascade(t);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('roster_pending_in');
  await knex.schema.dropTable('roster_removed');
  await knex.schema.dropTable('roster_items');
  await knex.schema.dropTable('roster_versions');
}
