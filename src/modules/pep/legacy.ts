// The 'storage:bookmarks' PEP node of XEP-0048 (via XEP-0223, XEP-0411) as a view of the
// XEP-0402 'urn:xmpp:bookmarks:1' node (XEP-0402 §6.3 "#compat-pep"): a publication of the
// whole <storage/> updates the conferences one by one (only those that changed), a retrieval
// gives one item 'current' built from them, and every change of the bookmarks reaches the
// owner's resources that ask for 'storage:bookmarks+notify'.
import type { PubsubNode } from '../../storage/types.js';
import { BOOKMARKS_NODE_CONFIG, bookmarkChanges, isPrivateBookmarks, itemsToLegacy, legacyToItems } from '../../xmpp/bookmarks.js';
import type { DataForm } from '../../xmpp/dataform.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { unmetPrecondition } from './config.js';
import { pubsubError } from './errors.js';
import { eventElement, itemElement, storedPayload, type Publication } from './items.js';
import type { Trigger } from './last.js';
import type { PepService } from './service.js';

/** The legacy node's single item (XEP-0048 §3.3 names it 'current'). */
const CURRENT = 'current';

export class LegacyBookmarks {
  constructor(private readonly svc: PepService) {}

  /** The current XEP-0402 payloads by room JID. */
  private async current(owner: Jid): Promise<Map<string, Element>> {
    const items = await this.svc.api.storage.pubsub.items(owner.domain, owner.local, NS.BOOKMARKS);
    const out = new Map<string, Element>();
    for (const i of items) {
      const p = storedPayload(i);
      if (p) out.set(i.id, p);
    }
    return out;
  }

  private async storage(owner: Jid): Promise<Element> {
    return itemsToLegacy([...(await this.current(owner))].map(([id, payload]) => ({ id, payload })));
  }

  /** A publication to 'storage:bookmarks' (XEP-0411 §3, XEP-0402 §6.3.2). */
  async publish(owner: Jid, publisher: Jid, pub: Publication, options: DataForm | undefined): Promise<string> {
    if (pub.payload.name !== 'storage' || pub.payload.getNS() !== NS.BOOKMARKS_LEGACY) {
      throw pubsubError('bad-request', 'invalid-payload', `this node takes <storage xmlns='${NS.BOOKMARKS_LEGACY}'/>`);
    }
    const node = await this.svc.node(owner, NS.BOOKMARKS);
    if (node && options) {
      const unmet = unmetPrecondition(options, this.svc.settings(node), this.svc.limits);
      if (unmet) throw pubsubError('conflict', 'precondition-not-met', unmet);
    }
    if (node) await this.makePrivate(owner, node);
    const current = await this.current(owner);
    const { publish, retract } = bookmarkChanges(current, legacyToItems(pub.payload, current));
    for (const item of publish) await this.svc.publish(owner, publisher, NS.BOOKMARKS, item, node ? undefined : bookmarkOptions());
    if (retract.length > 0) await this.svc.retract(owner, NS.BOOKMARKS, retract, true);
    return CURRENT;
  }

  /**
   * XEP-0402 §3.2's configuration for a node made otherwise (a plain <create/>, a client's
   * publish without options): bookmarks, room passwords among them, are never published where
   * contacts may read them, nor into a node that keeps fewer items than there are bookmarks.
   */
  private async makePrivate(owner: Jid, node: PubsubNode): Promise<void> {
    if (isPrivateBookmarks(node.config)) return;
    await this.svc.serialized(owner, async () => {
      await this.svc.api.storage.pubsub.updateNode(owner.domain, owner.local, NS.BOOKMARKS, { config: { ...node.config, ...BOOKMARKS_NODE_CONFIG } });
      this.svc.state.nodesChanged(owner);
    });
    this.svc.api.log.info('bookmarks node made private for a storage:bookmarks publication', { owner: owner.bare, access_model: node.config.access_model ?? 'default' });
  }

  /** A retrieval of 'storage:bookmarks': the one item 'current' (only the owner may: whitelist). */
  async items(owner: Jid, requester: Jid): Promise<Element> {
    const node = await this.svc.node(owner, NS.BOOKMARKS);
    if (node) await this.svc.checkAccess(owner, requester, node);
    else if (requester.bare !== owner.bare) throw pubsubError('item-not-found', undefined, 'no such node');
    return xml('items', { node: NS.BOOKMARKS_LEGACY }, itemElement(CURRENT, await this.storage(owner)));
  }

  /** Retracting 'current' removes every bookmark. */
  async retract(owner: Jid, ids: string[]): Promise<void> {
    if (!ids.includes(CURRENT)) throw pubsubError('item-not-found', undefined, `this node has one item, '${CURRENT}'`);
    const all = [...(await this.current(owner)).keys()];
    if (all.length > 0) await this.svc.retract(owner, NS.BOOKMARKS, all, true);
  }

  /** After any change of the bookmarks: the new list to resources that want the legacy node. */
  async changed(owner: Jid): Promise<void> {
    const wanting = this.svc.notifier.ownResourcesWanting(owner, NS.BOOKMARKS_LEGACY);
    if (wanting.length === 0) return;
    const event = eventElement(NS.BOOKMARKS_LEGACY, { kind: 'items', items: [itemElement(CURRENT, await this.storage(owner))] });
    this.svc.notifier.send(owner, wanting.map((to) => ({ to, contact: false })), event);
  }

  /** The legacy node's last item, to an owner's resource asking for it. */
  async sendLast(owner: Jid, to: Jid, names: ReadonlySet<string>, _trigger: Trigger): Promise<void> {
    if (!names.has(NS.BOOKMARKS_LEGACY) || to.bare !== owner.bare) return;
    const view = await this.svc.state.nodes(owner);
    const last = view.last.get(NS.BOOKMARKS);
    if (!last) return;
    const event = eventElement(NS.BOOKMARKS_LEGACY, { kind: 'items', items: [itemElement(CURRENT, await this.storage(owner))] });
    this.svc.notifier.sendLast(owner, to.full, event, last.published);
  }
}

/** publish-options that create the XEP-0402 node as BOOKMARKS_NODE_CONFIG configures it. */
function bookmarkOptions(): DataForm {
  const fields = new Map(Object.entries(BOOKMARKS_NODE_CONFIG).map(([key, value]) => {
    const name = `pubsub#${key}`;
    return [name, { var: name, values: [String(value)] }];
  }));
  return { type: 'submit', formType: NS.PUBSUB_PUBLISH_OPTIONS, fields };
}
