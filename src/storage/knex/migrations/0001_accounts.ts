// Accounts and their SCRAM credentials (RFC 5802 §3: salt, iteration count, StoredKey and
// ServerKey per hash; the password itself is never stored).
import type { Knex } from 'knex';

/** RFC 7622 §3.2 and §3.3 cap the localpart and domainpart at 1023 octets. */
export const JID_PART_MAX = 1023;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['host', 'username']);
  });
  await knex.schema.createTable('account_credentials', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    /** 'sha1' | 'sha256' (ScramHash). */
    t.string('hash', 32).notNullable();
    t.binary('salt').notNullable();
    t.integer('iterations').notNullable();
    t.binary('stored_key').notNullable();
    t.binary('server_key').notNullable();
    t.primary(['host', 'username', 'hash']);
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_credentials');
  await knex.schema.dropTable('accounts');
}
