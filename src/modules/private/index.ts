// XEP-0049: Private XML Storage (version 1.2). A user stores XML fragments by namespace on the
// server and reads them back; nobody else may (§2.3, §4). All of an account's fragments live in
// one document under the key-value key 'private', so a set that names several fragments is
// stored in one write and the size limit covers the whole account.
import { defineModule, KeyedQueue, z } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import { parseStored } from '../../xmpp/stored.js';
import { applySet, lookup, requestFragments } from './rules.js';

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
  specs: ['XEP-0049'],
  options: z.strictObject({
    /** Largest total of one account's private XML, in bytes of serialised XML. */
    max_bytes: z.int().min(1024).max(16 * 1024 * 1024).default(131_072),
  }),
  setup(api) {
    const kv = api.storage.keyValue;
    api.addFeature(NS.PRIVATE, 'account');

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
      for (const f of frags) result.append(lookup(doc, f));
      return result;
    }, { to: ['bare'] });

    api.iq('set', NS.PRIVATE, 'query', async ({ payload, from, to }) => {
      ownOnly(from, to);
      const frags = requestFragments(payload, 'set');
      await serialized(to.bare, async () => {
        const next = applySet(await load(to), frags);
        if (next.children.length === 0) {
          await kv.delete(to.domain, to.local, KEY);
          return;
        }
        const text = next.toString();
        const size = Buffer.byteLength(text, 'utf8');
        // RFC 6120 §8.3.3.9 not-acceptable: the request would be accepted if smaller (the XEP
        // names no condition for quotas).
        if (size > api.options.max_bytes) {
          throw new StanzaError('not-acceptable', `private data would take ${size} bytes, more than the limit of ${api.options.max_bytes} bytes`);
        }
        await kv.set(to.domain, to.local, KEY, text);
      });
      return undefined;
    }, { to: ['bare'] });
  },
});
