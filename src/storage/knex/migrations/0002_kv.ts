// Per-account key/value data for modules (private XML storage, settings). The foreign key
// keeps a late write from landing on a deleted account, where a re-registration of the same
// name would otherwise inherit it.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('kv', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    t.string('key', 1023).notNullable();
    t.text('value').notNullable();
    t.primary(['host', 'username', 'key']);
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('kv');
}
