// XEP-0115: Entity Capabilities (version 1.6). Reads the caps annotation of available
// presence, from this host's own clients and from other entities writing to its accounts,
// learns what it stands for (cache or verified disco#info, see resolver.ts) and fires
// 'caps/changed' when an entity's features become known, change or go away. The PEP service
// filters its notifications with them (XEP-0163 §4, "+notify").
import { defineModule, z, type ClientSession } from '../../core/module-api.js';
import type { Jid } from '../../xmpp/jid.js';
import type { Element } from '../../xmpp/xml.js';
import { readCaps } from './hash.js';
import { CapsResolver, NO_FEATURES, type Features } from './resolver.js';

interface EntityState {
  /** The annotation last seen ('hash ver node'), '' for none. */
  key: string;
  /** The features last announced with 'caps/changed', if any. */
  announced: Features | undefined;
}

const sameSet = (a: Features, b: Features): boolean => a.size === b.size && [...a].every((x) => b.has(x));

export default defineModule({
  name: 'caps',
  description: 'Learns and verifies the entity capabilities of presence (XEP-0115)',
  specs: ['XEP-0115'],
  options: z.strictObject({
    /** Verification strings kept in memory (all verified ones are also kept in storage). */
    cache_size: z.int().min(0).max(1_000_000).default(1000),
    /** Seconds to wait for a client's disco#info answer. */
    disco_timeout: z.int().min(1).max(300).default(10),
  }),
  setup(api) {
    const resolver = new CapsResolver(api, { cacheSize: api.options.cache_size, timeoutMs: api.options.disco_timeout * 1000 });
    /** Entities with available presence, by full JID. */
    const entities = new Map<string, EntityState>();

    const announce = (jid: Jid, session: ClientSession | undefined, features: Features): void => {
      const state = entities.get(jid.full);
      if (!state || (state.announced && sameSet(state.announced, features))) return;
      state.announced = features;
      api.emit('caps/changed', { jid, features, session });
    };

    const available = (jid: Jid, presence: Element, session: ClientSession | undefined): void => {
      const caps = readCaps(presence);
      const key = caps ? `${caps.hash} ${caps.ver} ${caps.node}` : '';
      const state = entities.get(jid.full);
      if (state?.key === key) return; // §6.1: the same annotation again changes nothing
      entities.set(jid.full, { key, announced: state?.announced });
      if (!caps) return announce(jid, session, NO_FEATURES);
      resolver.resolve(jid, caps).then(
        // Only if the entity is still there with the same annotation.
        (features) => entities.get(jid.full)?.key === key && announce(jid, session, features),
        (err: unknown) => api.log.error('caps: lookup failed', { jid: jid.full, err }),
      );
    };

    const gone = (jid: Jid, session: ClientSession | undefined): void => {
      const state = entities.get(jid.full);
      if (!state) return;
      entities.delete(jid.full);
      if (state.announced) api.emit('caps/changed', { jid, features: undefined, session });
    };

    // This host's clients: their own available presence, and its end.
    api.on('presence/available', ({ session }) => {
      if (session.presence) available(session.jid, session.presence, session);
    });
    api.on('presence/unavailable', ({ session }) => gone(session.jid, session));
    api.on('session/closed', ({ session }) => {
      gone(session.jid, session);
      resolver.forget(session.jid);
    });

    // Other entities (other domains) sending presence to an account of this host (XEP-0163 §4).
    for (const event of ['presence/bare', 'presence/full'] as const) {
      api.on(event, ({ stanza, from, to }) => {
        if (from.domain === api.host || from.resource === '' || to.local === '' || stanza.attrs.to === undefined) return;
        const type = stanza.attrs.type as string | undefined;
        if (type === undefined) available(from, stanza, undefined);
        else if (type === 'unavailable') gone(from, undefined);
      });
    }
  },
});
