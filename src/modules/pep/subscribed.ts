// Explicit subscriptions (XEP-0060 §6.1) by subscriber, so that a subscriber's resource that
// comes online gets the last items of the nodes it subscribed to (XEP-0163 §4.3.4: "all
// newly-available resources for each subscriber") without a storage read per login. Read
// once from storage, at the first use, and kept in step by the PEP module, which makes every
// change to subscriptions.
import type { ModuleApi } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';

/** owner bare JID -> node names. */
export type SubscribedNodes = Map<string, Set<string>>;

export class Subscribed {
  /** Subscribed JID (bare or full, as subscribed) -> owner bare JID -> nodes. */
  private index: Promise<Map<string, SubscribedNodes>> | undefined;

  constructor(private readonly api: ModuleApi<unknown>) {}

  private load(): Promise<Map<string, SubscribedNodes>> {
    this.index ??= this.api.storage.pubsub.subscriptionsOn(this.api.host).then(
      (rows) => {
        const index = new Map<string, SubscribedNodes>();
        for (const r of rows) put(index, r.jid, Jid.of(r.username, this.api.host).bare, r.node);
        return index;
      },
      (err: unknown) => {
        // A failed read is tried again at the next use rather than kept.
        this.index = undefined;
        throw err;
      },
    );
    return this.index;
  }

  async add(owner: Jid, node: string, jid: string): Promise<void> {
    put(await this.load(), jid, owner.bare, node);
  }

  async remove(owner: Jid, node: string, jid: string): Promise<void> {
    const index = await this.load();
    const nodes = index.get(jid)?.get(owner.bare);
    nodes?.delete(node);
    if (nodes?.size === 0) index.get(jid)!.delete(owner.bare);
    if (index.get(jid)?.size === 0) index.delete(jid);
  }

  /** The node is gone (deleted), or all of the owner's nodes when `node` is undefined. */
  async forget(owner: Jid, node?: string): Promise<void> {
    const index = await this.load();
    for (const [jid, owners] of index) {
      if (node === undefined) owners.delete(owner.bare);
      else owners.get(owner.bare)?.delete(node);
      if (owners.get(owner.bare)?.size === 0) owners.delete(owner.bare);
      if (owners.size === 0) index.delete(jid);
    }
  }

  /** The nodes `jid` subscribed to, as its bare or its full JID, by owner. */
  async of(jid: Jid): Promise<SubscribedNodes> {
    const index = await this.load();
    const out: SubscribedNodes = new Map();
    for (const key of jid.isBare ? [jid.bare] : [jid.bare, jid.full]) {
      for (const [owner, nodes] of index.get(key) ?? []) for (const n of nodes) put1(out, owner, n);
    }
    return out;
  }
}

function put(index: Map<string, SubscribedNodes>, jid: string, owner: string, node: string): void {
  let owners = index.get(jid);
  if (!owners) index.set(jid, (owners = new Map()));
  put1(owners, owner, node);
}

function put1(owners: SubscribedNodes, owner: string, node: string): void {
  let nodes = owners.get(owner);
  if (!nodes) owners.set(owner, (nodes = new Set()));
  nodes.add(node);
}
