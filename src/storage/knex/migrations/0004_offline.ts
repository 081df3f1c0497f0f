// Offline messages (XEP-0160): stanzas held for an account until it comes online.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('offline_messages', (t) => {
    t.bigIncrements('id');
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    t.text('stanza').notNullable();
    t.timestamp('stored_at', { useTz: true }).notNullable();
    t.index(['host', 'username', 'id'], 'offline_messages_owner');
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('offline_messages');
}
