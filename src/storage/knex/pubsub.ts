// PubsubStore over knex (XEP-0163 personal nodes). The items' bigint id is the publication
// order: a re-published item id is deleted and inserted again, so it becomes the newest.
// Node creation locks the account row so the node quota holds against concurrent creations;
// publish writes first, so an SQLite transaction holds the write lock from its first statement.
import type { Knex } from 'knex';
import type { PubsubAffiliation, PubsubItem, PubsubNode, PubsubNodeConfig, PubsubStore } from '../types.js';
import { chunks, compareCodePoints, isForeignKeyViolation, lockAccount, toCount, toDate, toInt } from './rows.js';

interface NodeRow {
  node: string;
  config: string;
  affiliations: string;
  created_at: unknown;
}

interface ItemRow {
  id: unknown;
  node: string;
  item_id: string;
  payload: string;
  publisher: string;
  published_at: unknown;
}

const NODE_COLUMNS = ['node', 'config', 'affiliations', 'created_at'];
const ITEM_COLUMNS = ['id', 'node', 'item_id', 'payload', 'publisher', 'published_at'];

/** JSON the store wrote itself; anything else is damage, reported as such. */
function readJson<T extends object>(text: string, what: string): T {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`storage: unreadable pubsub ${what}`);
  return value as T;
}

function toNode(r: NodeRow): PubsubNode {
  return {
    node: r.node,
    config: readJson<PubsubNodeConfig>(r.config, 'node configuration'),
    affiliations: readJson<Record<string, PubsubAffiliation>>(r.affiliations, 'affiliations'),
    created: toDate(r.created_at),
  };
}

function toItem(r: ItemRow): PubsubItem {
  return { id: r.item_id, payload: r.payload, publisher: r.publisher, published: toDate(r.published_at) };
}

export function knexPubsubStore(db: Knex, driver: 'sqlite' | 'postgres'): PubsubStore {
  const nodeKey = (host: string, username: string, node: string) => ({ host, username, node });

  return {
    async listNodes(host, username) {
      const rows: NodeRow[] = await db('pubsub_nodes').where({ host, username }).select(NODE_COLUMNS);
      return rows.map(toNode).sort((a, b) => compareCodePoints(a.node, b.node));
    },

    async getNode(host, username, node) {
      const row: NodeRow | undefined = await db('pubsub_nodes').where(nodeKey(host, username, node)).first(NODE_COLUMNS);
      return row ? toNode(row) : undefined;
    },

    async createNode(host, username, node, config, maxNodes) {
      return db.transaction(async (trx) => {
        if (!(await lockAccount(trx, driver, host, username))) throw new Error('storage: pubsub node creation for an account that does not exist');
        const found: unknown = await trx('pubsub_nodes').where(nodeKey(host, username, node)).first('node');
        if (found !== undefined) return 'exists' as const;
        const row = await trx('pubsub_nodes').where({ host, username }).count({ n: '*' }).first();
        if (toCount((row as { n?: unknown } | undefined)?.n) >= maxNodes) return 'limit' as const;
        await trx('pubsub_nodes').insert({ ...nodeKey(host, username, node), config: JSON.stringify(config), affiliations: '{}', created_at: new Date() });
        return 'created' as const;
      });
    },

    async updateNode(host, username, node, changes) {
      const set: Record<string, string> = {};
      if (changes.config) set.config = JSON.stringify(changes.config);
      if (changes.affiliations) set.affiliations = JSON.stringify(changes.affiliations);
      const q = db('pubsub_nodes').where(nodeKey(host, username, node));
      if (Object.keys(set).length === 0) return (await q.first('node')) !== undefined;
      return (await q.update(set)) > 0;
    },

    async deleteNode(host, username, node) {
      // Items and subscriptions go with the node (ON DELETE CASCADE).
      return (await db('pubsub_nodes').where(nodeKey(host, username, node)).delete()) > 0;
    },

    async publish(host, username, node, item, maxItems) {
      try {
        return await db.transaction(async (trx) => {
          const key = nodeKey(host, username, node);
          await trx('pubsub_items').where({ ...key, item_id: item.id }).delete();
          await trx('pubsub_items').insert({ ...key, item_id: item.id, payload: item.payload, publisher: item.publisher, published_at: item.published });
          const row = await trx('pubsub_items').where(key).count({ n: '*' }).first();
          const excess = toCount((row as { n?: unknown } | undefined)?.n) - maxItems;
          if (excess <= 0) return [];
          const oldest: { id: unknown; item_id: string }[] = await trx('pubsub_items').where(key).orderBy('id', 'asc').limit(excess).select('id', 'item_id');
          for (const part of chunks(oldest.map((o) => toInt(o.id)))) await trx('pubsub_items').whereIn('id', part).delete();
          return oldest.map((o) => o.item_id);
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: pubsub publish on a node that does not exist');
        throw err;
      }
    },

    async items(host, username, node, select) {
      if (select?.last !== undefined && select.last <= 0) return [];
      const rows: ItemRow[] = [];
      const base = (): Knex.QueryBuilder => db('pubsub_items').where(nodeKey(host, username, node));
      if (select?.ids) {
        for (const part of chunks([...new Set(select.ids)])) rows.push(...((await base().whereIn('item_id', part).select(ITEM_COLUMNS)) as ItemRow[]));
      } else {
        rows.push(...((await base().select(ITEM_COLUMNS)) as ItemRow[]));
      }
      rows.sort((a, b) => toInt(a.id) - toInt(b.id));
      const list = select?.last !== undefined ? rows.slice(-select.last) : rows;
      return list.map(toItem);
    },

    async lastItems(host, username) {
      const newest = db('pubsub_items').where({ host, username }).groupBy('node').max({ id: 'id' });
      const rows: ItemRow[] = await db('pubsub_items').whereIn('id', newest).select(ITEM_COLUMNS);
      return new Map(rows.map((r) => [r.node, toItem(r)]));
    },

    async retract(host, username, node, ids) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      return db.transaction(async (trx) => {
        const key = nodeKey(host, username, node);
        const found: string[] = [];
        for (const part of chunks(unique)) {
          const rows: { item_id: string }[] = await trx('pubsub_items').where(key).whereIn('item_id', part).select('item_id');
          found.push(...rows.map((r) => r.item_id));
          await trx('pubsub_items').where(key).whereIn('item_id', part).delete();
        }
        return unique.filter((id) => found.includes(id));
      });
    },

    async purge(host, username, node) {
      return db('pubsub_items').where(nodeKey(host, username, node)).delete();
    },

    async subscribe(host, username, node, jid) {
      try {
        await db('pubsub_subscriptions').insert({ ...nodeKey(host, username, node), jid }).onConflict(['host', 'username', 'node', 'jid']).ignore();
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: pubsub subscribe on a node that does not exist');
        throw err;
      }
    },

    async unsubscribe(host, username, node, jid) {
      return (await db('pubsub_subscriptions').where({ ...nodeKey(host, username, node), jid }).delete()) > 0;
    },

    async subscribers(host, username, node) {
      const rows: { jid: string }[] = await db('pubsub_subscriptions').where(nodeKey(host, username, node)).select('jid');
      return rows.map((r) => r.jid).sort(compareCodePoints);
    },

    async subscriptionsOn(host) {
      const rows: { username: string; node: string; jid: string }[] = await db('pubsub_subscriptions').where({ host }).select('username', 'node', 'jid');
      return rows.map((r) => ({ username: r.username, node: r.node, jid: r.jid }));
    },
  };
}
