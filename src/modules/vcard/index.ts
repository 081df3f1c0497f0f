// XEP-0054: vcard-temp (version 1.3.0). The server stores each account's vCard and answers for
// the account: the user reads and replaces their own (§3.1, §3.2), anyone may read it (§3.3).
// The vCard is kept as serialised XML under the key-value key 'vcard'. XEP-0398 (version 0.2):
// the PHOTO follows the PEP avatar (XEP-0084) and back (pep-sync.ts), and available presence
// carries the photo's hash (XEP-0153, photo-hash.ts).
import { defineModule, z } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { parseStored, standalone } from '../../xmpp/stored.js';
import { photoOf } from './avatar.js';
import { AvatarSync } from './pep-sync.js';
import { needsHash, PhotoHashes, putHash } from './photo-hash.js';

/** Stored data the server wrote itself; unreadable text is an internal error, not the client's. */
function readOrFail(text: string): Element {
  const el = parseStored(text);
  if (!el) throw new Error('stored XML is not readable');
  return el;
}

const KEY = 'vcard';

/** True when a vCard carries nothing: no child elements and no text. */
function isEmpty(vcard: Element): boolean {
  return vcard.children.every((c) => typeof c === 'string' && c.trim() === '');
}

export default defineModule({
  name: 'vcard',
  description: 'Stores and serves vCards of accounts (XEP-0054)',
  specs: ['XEP-0054', 'XEP-0153', 'XEP-0398'],
  options: z.strictObject({
    /** Largest vCard accepted, in bytes of serialised XML (avatars in PHOTO make vCards large). */
    max_bytes: z.int().min(1024).max(16 * 1024 * 1024).default(65_536),
    /** XEP-0398: keep PHOTO and the PEP avatar in step, and put the photo hash in presence. */
    avatar_conversion: z.boolean().default(true),
  }),
  setup(api) {
    const kv = api.storage.keyValue;
    // §4: support is announced on the server; the server answers on each account's behalf too.
    api.addFeature(NS.VCARD, 'host');
    api.addFeature(NS.VCARD, 'account');

    const load = async (jid: Jid): Promise<Element | undefined> => {
      const text = await kv.get(jid.domain, jid.local, KEY);
      return text === undefined ? undefined : readOrFail(text);
    };
    const hashes = new PhotoHashes(load);
    const sync = new AvatarSync(api, {
      load,
      store: (jid, vcard) => kv.set(jid.domain, jid.local, KEY, vcard.toString()),
      photoChanged: (jid, id) => hashes.set(jid, id),
    });
    const convert = api.options.avatar_conversion;
    if (convert) {
      // XEP-0398 §2.
      api.addFeature(NS.PEP_VCARD_CONVERSION, 'account');
      api.on('pep/changed', (ev) => sync.fromPep(ev));
      // XEP-0398 §4: every available presence of the user's sessions, directed ones too.
      api.on('presence/outbound', ({ stanza, origin }) => {
        if (!origin || !needsHash(stanza)) return;
        const id = hashes.get(origin.jid.toBare());
        if (typeof id === 'string') putHash(stanza, id);
        else return id.then((v) => void putHash(stanza, v));
      });
      api.on('session/closed', ({ session }) => {
        if (api.sessionsOf(session.jid.toBare()).length === 0) hashes.forget(session.jid);
      });
    }

    api.iq('get', NS.VCARD, 'vCard', async ({ from, to }) => {
      const stored = await load(to);
      if (stored) return stored;
      // §3.1: for one's own vCard, an error (item-not-found) or an empty vCard; the empty vCard
      // lets a client start editing without special-casing an error.
      if (from.bare === to.bare) return xml('vCard', { xmlns: NS.VCARD });
      // §3.3: no vCard and no such account give the same error, service-unavailable, so the
      // answer does not reveal which accounts exist.
      throw new StanzaError('service-unavailable');
    }, { to: ['bare'] });

    api.iq('set', NS.VCARD, 'vCard', async ({ payload, from, to }) => {
      // §3.2: only one's own vCard may be set ("forbidden or not-allowed"; forbidden as in the
      // example).
      if (from.bare !== to.bare) throw new StanzaError('forbidden', 'only your own vCard can be changed');
      const owner = to.toBare();
      if (isEmpty(payload)) {
        await kv.delete(to.domain, to.local, KEY);
        if (convert) await converted(owner, undefined);
        return undefined;
      }
      const text = standalone(payload).toString();
      const size = Buffer.byteLength(text, 'utf8');
      // XEP-0054 names no error for size; RFC 6120 §8.3.3.9 not-acceptable ("does not meet
      // criteria defined by the recipient or server", type modify) fits a request that would
      // succeed if made smaller, as XEP-0060 and XEP-0363 use it for oversized payloads.
      if (size > api.options.max_bytes) {
        throw new StanzaError('not-acceptable', `vCard of ${size} bytes is larger than the limit of ${api.options.max_bytes} bytes`);
      }
      await kv.set(to.domain, to.local, KEY, text);
      if (convert) await converted(owner, payload);
      return undefined;
    }, { to: ['bare'] });

    /** After a vCard set: the new hash for presence, and the photo to PEP (§3.2) as far as that works. */
    async function converted(owner: Jid, vcard: Element | undefined): Promise<void> {
      hashes.set(owner, photoOf(vcard)?.id ?? '');
      await sync.toPep(owner, vcard).catch((err: unknown) => api.log.warn('vCard photo not published to PEP', { owner: owner.bare, err }));
    }
  },
});
