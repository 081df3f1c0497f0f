// In-memory PubsubStore (the data behind XEP-0163 personal nodes). Items of a node live in a
// Map whose insertion order is the publication order: a re-published id is deleted and set
// again, so it becomes the newest. Values are copied in and out.
import type { PubsubAffiliation, PubsubItem, PubsubNode, PubsubNodeConfig, PubsubStore } from '../types.js';
import { compareCodePoints, PerAccount, requireAccount, type MemoryContext } from './shared.js';

interface StoredNode {
  config: PubsubNodeConfig;
  affiliations: Record<string, PubsubAffiliation>;
  created: Date;
  items: Map<string, PubsubItem>;
  subscribers: Set<string>;
}

export interface MemoryPubsubStore extends PubsubStore {
  forget(host: string, username: string): void;
}

const copyConfig = (c: PubsubNodeConfig): PubsubNodeConfig => {
  const out: PubsubNodeConfig = { ...c };
  if (c.roster_groups_allowed) out.roster_groups_allowed = [...c.roster_groups_allowed];
  return out;
};
const copyItem = (i: PubsubItem): PubsubItem => ({ ...i, published: new Date(i.published.getTime()) });

function view(name: string, n: StoredNode): PubsubNode {
  return { node: name, config: copyConfig(n.config), affiliations: { ...n.affiliations }, created: new Date(n.created.getTime()) };
}

export function memoryPubsubStore(ctx: MemoryContext): MemoryPubsubStore {
  const users = new PerAccount<Map<string, StoredNode>>();
  const nodeOf = (host: string, username: string, node: string): StoredNode | undefined => {
    ctx.open();
    return users.get(host, username)?.get(node);
  };
  const existing = (host: string, username: string, node: string, what: string): StoredNode => {
    const n = nodeOf(host, username, node);
    if (!n) throw new Error(`storage: pubsub ${what} on a node that does not exist`);
    return n;
  };

  return {
    async listNodes(host, username) {
      ctx.open();
      const nodes = users.get(host, username);
      if (!nodes) return [];
      return [...nodes.keys()].sort(compareCodePoints).map((name) => view(name, nodes.get(name)!));
    },

    async getNode(host, username, node) {
      const n = nodeOf(host, username, node);
      return n ? view(node, n) : undefined;
    },

    async createNode(host, username, node, config, maxNodes) {
      requireAccount(ctx, host, username, 'pubsub node creation');
      const nodes = users.getOrCreate(host, username, () => new Map());
      if (nodes.has(node)) return 'exists';
      if (nodes.size >= maxNodes) return 'limit';
      nodes.set(node, { config: copyConfig(config), affiliations: {}, created: new Date(), items: new Map(), subscribers: new Set() });
      return 'created';
    },

    async updateNode(host, username, node, changes) {
      const n = nodeOf(host, username, node);
      if (!n) return false;
      if (changes.config) n.config = copyConfig(changes.config);
      if (changes.affiliations) n.affiliations = { ...changes.affiliations };
      return true;
    },

    async deleteNode(host, username, node) {
      ctx.open();
      return users.get(host, username)?.delete(node) ?? false;
    },

    async publish(host, username, node, item, maxItems) {
      const n = existing(host, username, node, 'publish');
      n.items.delete(item.id);
      n.items.set(item.id, copyItem(item));
      const removed: string[] = [];
      for (const id of n.items.keys()) {
        if (n.items.size - removed.length <= maxItems) break;
        removed.push(id);
      }
      for (const id of removed) n.items.delete(id);
      return removed;
    },

    async items(host, username, node, select) {
      const n = nodeOf(host, username, node);
      if (!n) return [];
      let list = [...n.items.values()];
      if (select?.ids) {
        const wanted = new Set(select.ids);
        list = list.filter((i) => wanted.has(i.id));
      }
      if (select?.last !== undefined) list = select.last > 0 ? list.slice(-select.last) : [];
      return list.map(copyItem);
    },

    async lastItems(host, username) {
      ctx.open();
      const out = new Map<string, PubsubItem>();
      for (const [name, n] of users.get(host, username) ?? []) {
        let last: PubsubItem | undefined;
        for (const i of n.items.values()) last = i;
        if (last) out.set(name, copyItem(last));
      }
      return out;
    },

    async retract(host, username, node, ids) {
      const n = nodeOf(host, username, node);
      if (!n) return [];
      const out: string[] = [];
      for (const id of new Set(ids)) if (n.items.delete(id)) out.push(id);
      return out;
    },

    async purge(host, username, node) {
      const n = nodeOf(host, username, node);
      if (!n) return 0;
      const count = n.items.size;
      n.items.clear();
      return count;
    },

    async subscribe(host, username, node, jid) {
      existing(host, username, node, 'subscribe').subscribers.add(jid);
    },

    async unsubscribe(host, username, node, jid) {
      return nodeOf(host, username, node)?.subscribers.delete(jid) ?? false;
    },

    async subscribers(host, username, node) {
      return [...(nodeOf(host, username, node)?.subscribers ?? [])].sort(compareCodePoints);
    },

    async subscriptionsOn(host) {
      const out: { username: string; node: string; jid: string }[] = [];
      for (const [h, username, nodes] of users.entries()) {
        if (h !== host) continue;
        for (const [node, stored] of nodes) for (const jid of stored.subscribers) out.push({ username, node, jid });
      }
      return out;
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
