// FAST tokens (XEP-0484): per account and client installation at most a 'current' and a 'new'
// token. The token itself is never stored, only the random seed it is derived from with a
// secret kept outside the database.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('fast_tokens', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    /** The SASL2 user-agent id, a UUID. */
    t.string('client_id', 64).notNullable();
    /** 'current' | 'new' (FastTokenSlot). */
    t.string('slot', 8).notNullable();
    t.string('mechanism', 32).notNullable();
    t.binary('seed').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['host', 'username', 'client_id', 'slot']);
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('fast_tokens');
}
