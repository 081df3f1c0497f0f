// XEP-0054: vcard-temp (version 1.3.0). The server stores each account's vCard and answers for
// the account: the user reads and replaces their own (§3.1, §3.2), anyone may read it (§3.3).
// The vCard is kept as serialised XML under the key-value key 'vcard'.
import { defineModule, z } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { parseStored, standalone } from '../../xmpp/stored.js';

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
  specs: ['XEP-0054'],
  options: z.strictObject({
    /** Largest vCard accepted, in bytes of serialised XML (avatars in PHOTO make vCards large). */
    max_bytes: z.int().min(1024).max(16 * 1024 * 1024).default(65_536),
  }),
  setup(api) {
    const kv = api.storage.keyValue;
    // §4: support is announced on the server; the server answers on each account's behalf too.
    api.addFeature(NS.VCARD, 'host');
    api.addFeature(NS.VCARD, 'account');

    const load = async (domain: string, user: string): Promise<Element | undefined> => {
      const text = await kv.get(domain, user, KEY);
      return text === undefined ? undefined : readOrFail(text);
    };

    api.iq('get', NS.VCARD, 'vCard', async ({ from, to }) => {
      const stored = await load(to.domain, to.local);
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
      if (isEmpty(payload)) {
        await kv.delete(to.domain, to.local, KEY);
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
      return undefined;
    }, { to: ['bare'] });
  },
});
