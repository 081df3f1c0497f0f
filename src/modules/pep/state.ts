// What the PEP service keeps in memory per account, so presence and notifications cost no
// storage read: the account's nodes with their last items, and its roster. Entries are
// dropped on every change (the service's own writes, 'pep/changed', 'roster/changed') and
// evicted least recently used past `size`; a load in flight when a change comes is not kept.
import type { ModuleApi } from '../../core/module-api.js';
import type { PubsubItem, PubsubNode, RosterItem } from '../../storage/types.js';
import type { Jid } from '../../xmpp/jid.js';

export interface NodesView {
  nodes: ReadonlyMap<string, PubsubNode>;
  last: ReadonlyMap<string, PubsubItem>;
}

export type RosterView = ReadonlyMap<string, RosterItem>;

class Lru<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly size: number) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const loading = load();
    if (this.size === 0) return loading;
    this.entries.set(key, loading);
    loading.catch(() => this.forget(key, loading));
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return loading;
  }

  forget(key: string, only?: Promise<T>): void {
    if (only === undefined || this.entries.get(key) === only) this.entries.delete(key);
  }
}

export class AccountState {
  private readonly nodeViews: Lru<NodesView>;
  private readonly rosters: Lru<RosterView>;

  constructor(private readonly api: ModuleApi<unknown>, size: number) {
    this.nodeViews = new Lru(size);
    this.rosters = new Lru(size);
  }

  nodes(owner: Jid): Promise<NodesView> {
    return this.nodeViews.get(owner.bare, async () => {
      const [list, last] = await Promise.all([
        this.api.storage.pubsub.listNodes(owner.domain, owner.local),
        this.api.storage.pubsub.lastItems(owner.domain, owner.local),
      ]);
      return { nodes: new Map(list.map((n) => [n.node, n])), last };
    });
  }

  roster(user: Jid): Promise<RosterView> {
    return this.rosters.get(user.bare, async () => {
      const r = await this.api.storage.roster.get(user.domain, user.local);
      return new Map(r.items.map((i) => [i.jid, i]));
    });
  }

  nodesChanged(owner: Jid): void {
    this.nodeViews.forget(owner.bare);
  }

  rosterChanged(user: Jid): void {
    this.rosters.forget(user.bare);
  }
}
