// Rosters by contact: which accounts hold a given JID on their roster, or a request from it.
// Read when an account is deleted, so its contacts on this server lose their subscriptions to
// it (RFC 6121 §3.2, §3.3) even when its own roster is already gone (deleted by the CLI).
import type { Knex } from 'knex';

const ITEMS_INDEX = 'roster_items_contact';
const PENDING_INDEX = 'roster_pending_in_contact';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('roster_items', (t) => {
    t.index(['jid'], ITEMS_INDEX);
  });
  await knex.schema.alterTable('roster_pending_in', (t) => {
    t.index(['jid'], PENDING_INDEX);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('roster_pending_in', (t) => {
    t.dropIndex(['jid'], PENDING_INDEX);
  });
  await knex.schema.alterTable('roster_items', (t) => {
    t.dropIndex(['jid'], ITEMS_INDEX);
  });
}
