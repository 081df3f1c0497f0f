// XEP-0398: PEP avatars (XEP-0084) and the vCard PHOTO (XEP-0153) kept in step. A metadata
// publication puts the image of the data node into the vCard (§3.1), when anyone may read that
// node (§7: the vCard is public); a vCard set with a photo publishes data and metadata (§3.2),
// written to the PEP nodes in storage and told to the PEP service ('pep/changed'), which
// notifies the metadata node's subscribers. Changes this module
// made itself are recognised by their 'by' and not converted back.
import type { ModuleApi, PepChangedEvent } from '../../core/module-api.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { parseStored } from '../../xmpp/stored.js';
import type { Element } from '../../xmpp/xml.js';
import { dataPayload, dataText, metadataPayload, photoFromBase64, photoOf, storedInfo, withPhoto, type Photo } from './avatar.js';

/** What the sync needs from the vCard module: its stored vCards and the presence hashes. */
export interface VcardAccess {
  load(jid: Jid): Promise<Element | undefined>;
  store(jid: Jid, vcard: Element): Promise<void>;
  photoChanged(jid: Jid, id: string): void;
}

const BY = 'vcard';

export class AvatarSync {
  constructor(private readonly api: ModuleApi<unknown>, private readonly vcards: VcardAccess) {}

  /** §3.1: a new metadata item (or none left) sets or clears the vCard PHOTO. */
  async fromPep(ev: PepChangedEvent): Promise<void> {
    if (ev.by === BY || ev.node !== NS.AVATAR_METADATA) return;
    const newest = ev.published.at(-1);
    if (!newest && !ev.cleared) return;
    const info = newest?.payload ? storedInfo(newest.payload) : undefined;
    const vcard = await this.vcards.load(ev.owner);
    if (!info) {
      if (!photoOf(vcard)) return;
      await this.vcards.store(ev.owner, withPhoto(vcard, undefined));
      return this.vcards.photoChanged(ev.owner, '');
    }
    // §7: the vCard is for anyone who asks; only an avatar anyone may read goes into it. A
    // restricted one leaves the vCard, and the hash in presence that points to it, as they are.
    const data = await this.api.storage.pubsub.getNode(ev.owner.domain, ev.owner.local, NS.AVATAR_DATA);
    if (data?.config.access_model !== 'open') {
      this.api.log.debug('avatar not copied to the vCard: its data node is not open', { owner: ev.owner.bare });
      return;
    }
    const photo = await this.image(ev.owner, info.id, info.type);
    // §3.1: the image must be there and (SHOULD) match the id, which is its SHA-1.
    if (!photo) {
      this.api.log.debug('avatar metadata names no stored image', { owner: ev.owner.bare });
      return;
    }
    if (photoOf(vcard)?.id !== photo.id) await this.vcards.store(ev.owner, withPhoto(vcard, photo));
    this.vcards.photoChanged(ev.owner, photo.id);
  }

  private async image(owner: Jid, id: string, type: string): Promise<Photo | undefined> {
    const [item] = await this.api.storage.pubsub.items(owner.domain, owner.local, NS.AVATAR_DATA, { ids: [id] });
    const data = item ? parseStored(item.payload) : undefined;
    const text = data ? dataText(data) : undefined;
    const photo = text === undefined ? undefined : photoFromBase64(type, text);
    return photo && photo.id === id.toLowerCase() ? photo : undefined;
  }

  /**
   * §3.2: after a vCard set with a valid photo, publish it unless PEP has it already. A vCard
   * without one changes nothing in PEP: §3.2 converts photos only, and a client that saves its
   * name or nickname without the photo must not take the user's avatar away.
   */
  async toPep(owner: Jid, vcard: Element | undefined): Promise<void> {
    const photo = photoOf(vcard);
    if (!photo) return;
    const [current] = await this.api.storage.pubsub.items(owner.domain, owner.local, NS.AVATAR_METADATA, { last: 1 });
    const md = current ? parseStored(current.payload) : undefined;
    if ((md ? storedInfo(md)?.id : undefined) === photo.id) return;
    await this.put(owner, NS.AVATAR_DATA, photo.id, dataPayload(photo));
    await this.put(owner, NS.AVATAR_METADATA, photo.id, metadataPayload(photo));
  }

  /** Writes an item to a PEP node (created with the service defaults if needed) and tells the service. */
  private async put(owner: Jid, node: string, id: string, payload: Element): Promise<void> {
    const pubsub = this.api.storage.pubsub;
    await pubsub.createNode(owner.domain, owner.local, node, {}, Number.MAX_SAFE_INTEGER);
    const max = (await pubsub.getNode(owner.domain, owner.local, node))?.config.max_items;
    // The service's own default is 1 item; 'max' is whatever it allows, so keep everything here.
    const keep = max === undefined ? 1 : max === 'max' ? Number.MAX_SAFE_INTEGER : max;
    await pubsub.publish(owner.domain, owner.local, node, { id, payload: payload.toString(), publisher: owner.bare, published: new Date() }, keep);
    this.api.emit('pep/changed', { owner, node, published: [{ id, payload }], retracted: [], cleared: false, by: BY });
  }
}
