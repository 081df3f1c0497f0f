// Blocked JIDs per account (XEP-0191): bare, full or domain JIDs.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';

/** A full JID: three parts of at most 1023 octets each and two separators (RFC 7622 §3). */
export const FULL_JID_MAX = 3 * JID_PART_MAX + 2;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blocklist', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    t.string('jid', FULL_JID_MAX).notNullable();
    t.primary(['host', 'username', 'jid']);
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('blocklist');
}
