// XEP-0049: Private XML Storage (version 1.2). A user stores XML fragments by namespace on the
// server and reads them back; nobody else may (§2.3, §4). All of an account's fragments live in
// one document under the key-value key 'private', so a set that names several fragments is
// stored in one write and the size limit covers the whole account. Bookmarks (storage:bookmarks)
// are kept in the XEP-0402 PEP node instead (bookmarks.ts, XEP-0402 §6.3, XEP-0411).
import { defineModule, KeyedQueue, z } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import { parseStored } from '../../xmpp/stored.js';
import { legacyRest } from '../../xmpp/bookmarks.js';
import { BookmarkCompat, isBookmarks } from './bookmarks.js';
import { applySet, lookup, requestFragments, type Fragment } from './rules.js';

/** Stored data the server wrote itself; unreadable text is an internal error, not the client's. */
function readOrFail(text: string): Element {
  const el = parseStored(text);
  if (!el) throw new Error('stored XML is not readable');
  return el;
}

const KEY = 'private';

export default defineModule({
  name: 'private',
  description: 'Private XML storage for accounts (XEP-0049)',
  specs: ['XEP-0049', 'XEP-0048', 'XEP-0402', 'XEP-0411'],
  options: z.strictObject({
    /** Largest total of one account's private XML, in bytes of serialised XML. */
    max_bytes: z.int().min(1024).max(16 * 1024 * 1024).default(131_072),
    /** Keep storage:bookmarks in the XEP-0402 PEP node, shared with PEP bookmark clients. */
    bookmarks_compat: z.boolean().default(true),
  }),
  setup(api) {
    const kv = api.storage.keyValue;
    api.addFeature(NS.PRIVATE, 'account');
    const compat = api.options.bookmarks_compat ? new BookmarkCompat(api) : undefined;
    if (compat) {
      // XEP-0402 §6.3 and XEP-0411 §2: private-storage bookmarks and PEP bookmarks are one.
      api.addFeature(`${NS.BOOKMARKS}#compat`, 'account');
      api.addFeature(NS.BOOKMARKS_CONVERSION, 'account');
    }
    const bookmarks = (f: Fragment): boolean => compat !== undefined && isBookmarks(f);

    // A set reads, changes and writes the account's document; sets of one account (from any of
    // its resources) run one after another so none is lost.
    const queue = new KeyedQueue();
    const serialized = <T>(key: string, fn: () => Promise<T>): Promise<T> => queue.run(key, fn);

    const load = async (jid: Jid): Promise<Element | undefined> => {
      const text = await kv.get(jid.domain, jid.local, KEY);
      return text === undefined ? undefined : readOrFail(text);
    };

    // §2.3 and §4: only the user's own resources, whatever the address; forbidden is "preferable".
    const ownOnly = (from: Jid, to: Jid): void => {
      if (from.bare !== to.bare) throw new StanzaError('forbidden', 'private data belongs to its user only');
    };

    api.iq('get', NS.PRIVATE, 'query', async ({ payload, from, to }) => {
      ownOnly(from, to);
      const frags = requestFragments(payload, 'get');
      const doc = await load(to);
      const result = xml('query', { xmlns: NS.PRIVATE });
      for (const f of frags) {
        const stored = lookup(doc, f);
        result.append(bookmarks(f) ? await compat!.read(to.toBare(), stored.children.length > 0 ? stored : undefined) : stored);
      }
      return result;
    }, { to: ['bare'] });

    api.iq('set', NS.PRIVATE, 'query', async ({ payload, from, to }) => {
      ownOnly(from, to);
      const frags = requestFragments(payload, 'set');
      // Bookmarks leave only what XEP-0402 cannot hold (URL bookmarks) in the document.
      const kept = frags.map((f) => (bookmarks(f) ? { ...f, el: xml('storage', { xmlns: NS.BOOKMARKS_LEGACY }, ...legacyRest(f.el)) } : f));
      await serialized(to.bare, async () => {
        const next = applySet(await load(to), kept);
        const text = next.toString();
        const size = Buffer.byteLength(text, 'utf8');
        // RFC 6120 §8.3.3.9 not-acceptable: the request would be accepted if smaller (the XEP
        // names no condition for quotas).
        if (size > api.options.max_bytes) {
          throw new StanzaError('not-acceptable', `private data would take ${size} bytes, more than the limit of ${api.options.max_bytes} bytes`);
        }
        for (const f of frags) if (bookmarks(f)) await compat!.write(to.toBare(), f.el);
        if (next.children.length === 0) await kv.delete(to.domain, to.local, KEY);
        else await kv.set(to.domain, to.local, KEY, text);
      });
      return undefined;
    }, { to: ['bare'] });
  },
});
