// Registration invitations: a token per host with an expiry and a number of uses left.
// Not tied to an account, so no foreign key.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invites', (t) => {
    t.string('host', JID_PART_MAX).notNullable();
    t.string('token', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.integer('uses_left').notNullable();
    t.primary(['host', 'token']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('invites');
}
