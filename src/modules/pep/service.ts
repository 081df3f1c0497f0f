// The personal pubsub service of each account (XEP-0163 on XEP-0060): node lookup and access,
// publish (§7.1, with auto-create and publish-options preconditions), retract (§7.2) and item
// retrieval (§6.5). Changes to one account run one after another; every change drops the
// account's cached view, is told to other modules ('pep/changed') and notified to the audience.
import { randomUUID } from 'node:crypto';
import { KeyedQueue, type ModuleApi } from '../../core/module-api.js';
import type { PubsubItem, PubsubNode, PubsubNodeConfig } from '../../storage/types.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { DataForm } from '../../xmpp/dataform.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { accessError } from './access.js';
import { applyConfig, BadValue, itemsKept, settings, unmetPrecondition, type Limits, type NodeSettings } from './config.js';
import { nodeNotFound, pubsubError } from './errors.js';
import { eventElement, itemElement, storedPayload, type EventContent, type Publication } from './items.js';
import type { Notifier } from './notify.js';
import { ID_MAX, type PepOptions } from './options.js';
import type { AccountState } from './state.js';
import { Subscribed } from './subscribed.js';

/** What a change did, for 'pep/changed' and notifications. */
export interface Change {
  readonly published: readonly { readonly id: string; readonly payload: Element | undefined }[];
  readonly retracted: readonly string[];
  readonly cleared: boolean;
}

export class PepService {
  readonly limits: Limits;
  /** Explicit subscriptions by subscriber (subscribed.ts). */
  readonly subscribed: Subscribed;
  private readonly queue = new KeyedQueue();
  /** Told of every change to an account's nodes (the bookmarks views follow them). */
  onChange: (owner: Jid, node: string) => void = () => undefined;

  constructor(
    readonly api: ModuleApi<PepOptions>,
    readonly state: AccountState,
    readonly notifier: Notifier,
  ) {
    this.limits = { maxItems: api.options.max_items, defaultMaxItems: api.options.default_max_items };
    this.subscribed = new Subscribed(api);
  }

  settings(node: PubsubNode): NodeSettings {
    return settings(node.config, this.limits);
  }

  /** Runs a change of `owner`'s nodes after the ones queued before it. */
  serialized<T>(owner: Jid, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(owner.bare, fn);
  }

  async node(owner: Jid, name: string): Promise<PubsubNode | undefined> {
    return (await this.state.nodes(owner)).nodes.get(name);
  }

  async requireNode(owner: Jid, name: string): Promise<PubsubNode> {
    const node = await this.node(owner, name);
    if (!node) throw nodeNotFound();
    return node;
  }

  /** Throws the access error for `requester` (§6.1.3, §6.5.9); the owner always passes. */
  async checkAccess(owner: Jid, requester: Jid, node: PubsubNode): Promise<void> {
    if (requester.bare === owner.bare) return;
    const roster = await this.state.roster(owner);
    const err = accessError(this.settings(node), node.affiliations, { bare: requester.bare, item: roster.get(requester.bare) });
    if (err) throw err;
  }

  /** §8.1: a node with the configuration given (already validated), within the node quota. */
  async create(owner: Jid, name: string, config: PubsubNodeConfig): Promise<PubsubNode> {
    const made = await this.api.storage.pubsub.createNode(owner.domain, owner.local, name, config, this.api.options.max_nodes);
    this.state.nodesChanged(owner);
    if (made === 'exists') throw new StanzaError('conflict', 'the node exists already');
    if (made === 'limit') throw new StanzaError('resource-constraint', `an account has at most ${this.api.options.max_nodes} nodes`, 'cancel');
    return this.requireNode(owner, name);
  }

  /**
   * §7.1: publishes an item; auto-creates the node (§7.1.4) with the preconditions as its
   * configuration (§7.1.5), or checks them against the existing node. Resolves with the item id.
   */
  publish(owner: Jid, publisher: Jid, name: string, pub: Publication, options: DataForm | undefined): Promise<string> {
    checkNodeName(name);
    return this.serialized(owner, async () => {
      let node = await this.node(owner, name);
      if (node && options) {
        const unmet = unmetPrecondition(options, this.settings(node), this.limits);
        if (unmet) throw pubsubError('conflict', 'precondition-not-met', unmet);
      }
      if (!node) node = await this.create(owner, name, options ? preconditionConfig(options, this.limits) : {});
      const item: PubsubItem = { id: pub.id ?? randomUUID(), payload: pub.payload.toString(), publisher: publisher.full, published: new Date() };
      const s = this.settings(node);
      // Items pushed out by max_items go silently (§7.1.2.6: a retract notification is a MAY).
      await this.api.storage.pubsub.publish(owner.domain, owner.local, name, item, itemsKept(s));
      await this.changed(owner, node, { published: [{ id: item.id, payload: pub.payload }], retracted: [], cleared: false }, publisher.full);
      return item.id;
    });
  }

  /**
   * §7.2: removes items, notifying when asked to or configured to (§7.2.2.1). Several items are
   * one batch (§12.11): one that does not exist fails it whole, and nothing is removed.
   */
  retract(owner: Jid, name: string, ids: string[], notify: boolean | undefined): Promise<void> {
    return this.serialized(owner, async () => {
      const node = await this.requireNode(owner, name);
      if (ids.length > 1) {
        const found = new Set((await this.api.storage.pubsub.items(owner.domain, owner.local, name, { ids })).map((i) => i.id));
        const missing = ids.find((id) => !found.has(id));
        if (missing !== undefined) throw new StanzaError('item-not-found', `no item ${missing}; nothing was retracted`);
      }
      const gone = await this.api.storage.pubsub.retract(owner.domain, owner.local, name, ids);
      if (gone.length === 0) throw new StanzaError('item-not-found', 'no such item');
      await this.changed(owner, node, { published: [], retracted: gone, cleared: false }, undefined, notify);
    });
  }

  /** Removes the oldest items past what the node may keep (itemsKept), silently (§7.1.2.6). */
  trim(owner: Jid, node: PubsubNode): Promise<void> {
    return this.serialized(owner, async () => {
      const kept = itemsKept(this.settings(node));
      const items = await this.api.storage.pubsub.items(owner.domain, owner.local, node.node);
      if (items.length <= kept) return;
      await this.api.storage.pubsub.retract(owner.domain, owner.local, node.node, items.slice(0, items.length - kept).map((i) => i.id));
      this.state.nodesChanged(owner);
    });
  }

  /** §6.5: the items a requester may see, as <items/>. */
  async items(owner: Jid, requester: Jid, name: string, select: { ids?: string[]; last?: number }): Promise<Element> {
    const node = await this.requireNode(owner, name);
    await this.checkAccess(owner, requester, node);
    const found = await this.api.storage.pubsub.items(owner.domain, owner.local, name, select);
    return xml('items', { node: name }, ...found.map((i) => itemElement(i.id, storedPayload(i))));
  }

  /**
   * After a change: drop the cached view, tell other modules, notify the audience. `notify`
   * overrides the node's notify_retract for removals (§7.2.2.1).
   */
  async changed(owner: Jid, node: PubsubNode, change: Change, publisher?: string, notify?: boolean): Promise<void> {
    this.state.nodesChanged(owner);
    this.api.emit('pep/changed', { owner, node: node.node, ...change, by: 'pep' });
    await this.notifyChange(owner, node, change, publisher, notify);
    this.onChange(owner, node.node);
  }

  /** Notifications for a change (also for changes other modules made). */
  async notifyChange(owner: Jid, node: PubsubNode, change: Change, publisher?: string, notify?: boolean): Promise<void> {
    const s = this.settings(node);
    if (!s.deliver_notifications) return;
    const events: EventContent[] = [];
    if (change.published.length > 0) {
      events.push({ kind: 'items', items: change.published.map((p) => itemElement(p.id, s.deliver_payloads ? p.payload : undefined)) });
    }
    const notifyRemoval = notify ?? s.notify_retract;
    if (change.retracted.length > 0 && notifyRemoval) events.push({ kind: 'retract', ids: change.retracted });
    if (change.cleared && notifyRemoval) events.push({ kind: 'purge' });
    if (events.length === 0) return;
    const targets = await this.notifier.recipients(owner, node, s);
    for (const e of events) this.notifier.send(owner, targets, eventElement(node.node, e), publisher);
  }
}

/** Node names are free-form (§12.13) but bounded by what storage keeps. */
export function checkNodeName(name: string | undefined): asserts name is string {
  if (name === undefined || name === '') throw pubsubError('bad-request', 'nodeid-required', 'name the node');
  if (Buffer.byteLength(name, 'utf8') > ID_MAX) throw pubsubError('not-acceptable', undefined, `node names are at most ${ID_MAX} bytes`);
}

/** §7.1.5 step 3: a new node takes the preconditions as its configuration. */
function preconditionConfig(form: DataForm, limits: Limits): PubsubNodeConfig {
  try {
    return applyConfig(form, {}, limits);
  } catch (err) {
    if (err instanceof BadValue) throw pubsubError('conflict', 'precondition-not-met', err.message);
    throw err;
  }
}

/** The <pubsub/> wrapper of results. */
export const pubsubResult = (...children: Element[]): Element => xml('pubsub', { xmlns: NS.PUBSUB }, ...children);
