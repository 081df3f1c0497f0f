// XEP-0398 §4 with XEP-0153 §3.1: the server puts the SHA-1 of the user's vCard photo into
// available presence (<x xmlns='vcard-temp:x:update'><photo>hash</photo></x>), so clients need
// not download the vCard to compute it. Hashes are kept per account, read from the stored
// vCard once and updated when the photo changes.
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { photoOf } from './avatar.js';

export class PhotoHashes {
  /** Bare JID -> hex SHA-1 of the photo, '' for none. */
  private readonly hashes = new Map<string, string | Promise<string>>();

  constructor(private readonly load: (jid: Jid) => Promise<Element | undefined>) {}

  get(user: Jid): string | Promise<string> {
    const known = this.hashes.get(user.bare);
    if (known !== undefined) return known;
    const loading = this.load(user).then((vcard) => {
      const id = photoOf(vcard)?.id ?? '';
      if (this.hashes.get(user.bare) === loading) this.hashes.set(user.bare, id);
      return id;
    });
    this.hashes.set(user.bare, loading);
    loading.catch(() => {
      if (this.hashes.get(user.bare) === loading) this.hashes.delete(user.bare);
    });
    return loading;
  }

  set(user: Jid, id: string): void {
    this.hashes.set(user.bare, id);
  }

  forget(user: Jid): void {
    this.hashes.delete(user.bare);
  }
}

/**
 * Whether the server fills in the hash: every available presence but one whose update element
 * has a <photo/> already (an empty one says "no avatar", and a client's own hash is kept).
 */
export function needsHash(presence: Element): boolean {
  if (presence.attrs.type !== undefined) return false;
  return !presence.getChild('x', NS.VCARD_UPDATE)?.getChild('photo');
}

/**
 * Puts the hash into the presence, replacing an update element without <photo/>. This changes
 * the stanza in place: it runs on the outbound path, before the presence is tracked and
 * broadcast, so every copy carries the hash (§4: directed presence too).
 */
export function putHash(presence: Element, id: string): void {
  presence.children = presence.children.filter((c) => typeof c === 'string' || !(c.getName() === 'x' && c.getNS() === NS.VCARD_UPDATE));
  presence.append(xml('x', { xmlns: NS.VCARD_UPDATE }, id ? xml('photo', {}, id) : xml('photo')));
}
