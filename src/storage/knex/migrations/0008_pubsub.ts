// Personal pubsub (XEP-0163, XEP-0060): each account's nodes, their items in publication order
// (the bigint id), explicit subscriptions; and the verified entity capabilities cache
// (XEP-0115), which belongs to no account. Node configuration and affiliations are JSON text.
import type { Knex } from 'knex';
import { JID_PART_MAX } from './0001_accounts.js';
import { FULL_JID_MAX } from './0005_blocklist.js';

/** Longest node name and item id accepted (the service refuses longer ones). */
export const PUBSUB_ID_MAX = 1023;

const owner = (t: Knex.CreateTableBuilder): void => {
  t.string('host', JID_PART_MAX).notNullable();
  t.string('username', JID_PART_MAX).notNullable();
  t.string('node', PUBSUB_ID_MAX).notNullable();
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pubsub_nodes', (t) => {
    owner(t);
    t.text('config').notNullable();
    t.text('affiliations').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['host', 'username', 'node']);
    t.foreign(['host', 'username']).references(['host', 'username']).inTable('accounts').onDelete('CASCADE');
  });
  await knex.schema.createTable('pubsub_items', (t) => {
    t.bigIncrements('id');
    owner(t);
    t.string('item_id', PUBSUB_ID_MAX).notNullable();
    t.text('payload').notNullable();
    t.string('publisher', FULL_JID_MAX).notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable();
    t.unique(['host', 'username', 'node', 'item_id'], { indexName: 'pubsub_items_item' });
    t.index(['host', 'username', 'node', 'id'], 'pubsub_items_order');
    t.foreign(['host', 'username', 'node']).references(['host', 'username', 'node']).inTable('pubsub_nodes').onDelete('CASCADE');
  });
  await knex.schema.createTable('pubsub_subscriptions', (t) => {
    owner(t);
    t.string('jid', FULL_JID_MAX).notNullable();
    t.primary(['host', 'username', 'node', 'jid']);
    t.foreign(['host', 'username', 'node']).references(['host', 'username', 'node']).inTable('pubsub_nodes').onDelete('CASCADE');
  });
  await knex.schema.createTable('caps_cache', (t) => {
    t.string('hash', 32).notNullable();
    t.string('ver', 255).notNullable();
    t.text('info').notNullable();
    t.primary(['hash', 'ver']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('caps_cache');
  await knex.schema.dropTable('pubsub_subscriptions');
  await knex.schema.dropTable('pubsub_items');
  await knex.schema.dropTable('pubsub_nodes');
}
