// XEP-0402 §6.3 "#compat" and XEP-0411: bookmarks stored through private XML storage
// (XEP-0048 in XEP-0049) live in the XEP-0402 PEP node 'urn:xmpp:bookmarks:1', one item per
// room, so clients of either kind see the same list. A get builds <storage/> from the node; a
// set updates only the items that changed and removes the others (XEP-0402 §6.3.2), written
// in storage and told to the PEP service ('pep/changed'), which notifies the owner's clients.
// What XEP-0402 has no place for (URL bookmarks) stays in the private document.
import type { ModuleApi } from '../../core/module-api.js';
import { BOOKMARKS_NODE_CONFIG, bookmarkChanges, isPrivateBookmarks, itemsToLegacy, legacyRest, legacyToItems } from '../../xmpp/bookmarks.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { parseStored } from '../../xmpp/stored.js';
import { xml, type Element } from '../../xmpp/xml.js';

/** The PEP service bounds nodes and items; a conversion never drops bookmarks itself. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export const isBookmarks = (el: { ns: string; name: string }): boolean => el.ns === NS.BOOKMARKS_LEGACY && el.name === 'storage';

export class BookmarkCompat {
  constructor(private readonly api: ModuleApi<unknown>) {}

  /** The XEP-0402 items by room JID; undefined when the node does not exist. */
  private async items(owner: Jid): Promise<Map<string, Element> | undefined> {
    const pubsub = this.api.storage.pubsub;
    if (!(await pubsub.getNode(owner.domain, owner.local, NS.BOOKMARKS))) return undefined;
    const out = new Map<string, Element>();
    for (const item of await pubsub.items(owner.domain, owner.local, NS.BOOKMARKS)) {
      const payload = parseStored(item.payload);
      if (payload) out.set(item.id, payload);
    }
    return out;
  }

  /** Gives an existing node XEP-0402's configuration where it differs; true when it did. */
  private async makePrivate(owner: Jid): Promise<boolean> {
    const node = await this.api.storage.pubsub.getNode(owner.domain, owner.local, NS.BOOKMARKS);
    if (!node || isPrivateBookmarks(node.config)) return false;
    await this.api.storage.pubsub.updateNode(owner.domain, owner.local, NS.BOOKMARKS, { config: { ...node.config, ...BOOKMARKS_NODE_CONFIG } });
    this.api.log.info('bookmarks node made private for a private XML write', { owner: owner.bare, access_model: node.config.access_model ?? 'default' });
    return true;
  }

  /** <storage xmlns='storage:bookmarks'/> for a get: the node's conferences and the kept rest. */
  async read(owner: Jid, stored: Element | undefined): Promise<Element> {
    const items = await this.items(owner);
    // Bookmarks stored before there was a node are served as they are until the next set.
    if (!items) return stored ?? xml('storage', { xmlns: NS.BOOKMARKS_LEGACY });
    return itemsToLegacy([...items].map(([id, payload]) => ({ id, payload })), stored ? legacyRest(stored) : []);
  }

  /**
   * Applies a set's <storage/> to the node; resolves with what the private document keeps. A
   * node made otherwise (a plain <create/>, a client's publish without options) is made private
   * first: bookmarks, room passwords among them, are never written where contacts may read them,
   * nor into a node that keeps fewer items than there are bookmarks.
   */
  async write(owner: Jid, storage: Element): Promise<Element> {
    const pubsub = this.api.storage.pubsub;
    const reconfigured = await this.makePrivate(owner);
    const current = (await this.items(owner)) ?? new Map<string, Element>();
    const { publish, retract } = bookmarkChanges(current, legacyToItems(storage, current));
    if (publish.length > 0) await pubsub.createNode(owner.domain, owner.local, NS.BOOKMARKS, BOOKMARKS_NODE_CONFIG, UNBOUNDED);
    for (const item of publish) {
      const record = { id: item.id, payload: item.payload.toString(), publisher: owner.bare, published: new Date() };
      await pubsub.publish(owner.domain, owner.local, NS.BOOKMARKS, record, UNBOUNDED);
    }
    const gone = retract.length > 0 ? await pubsub.retract(owner.domain, owner.local, NS.BOOKMARKS, retract) : [];
    // Told also when only the configuration changed: the PEP service must stop serving contacts.
    if (reconfigured || publish.length > 0 || gone.length > 0) {
      this.api.emit('pep/changed', { owner, node: NS.BOOKMARKS, published: publish, retracted: gone, cleared: false, by: 'private' });
    }
    return xml('storage', { xmlns: NS.BOOKMARKS_LEGACY }, ...legacyRest(storage));
  }
}
