// Push registrations per account (XEP-0357 §5): the push service JID and node of each device,
// with the publish options to send along (JSON text).
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';
import { FULL_JID_MAX } from './0005_blocklist.js';
import { PUBSUB_ID_MAX } from './0008_pubsub.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('push_registrations', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('username', JID_PART_MAX).notNullable();
    t.string('jid', FULL_JID_MAX).notNullable();
    t.string('node', PUBSUB_ID_MAX).notNullable();
    t.text('options').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['host', 'username', 'jid', 'node']);
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('push_registrations');
}
