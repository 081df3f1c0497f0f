// XEP-0163: Personal Eventing Protocol (version 1.2.2) on XEP-0060 (version 1.26): every
// account is a pubsub service at its bare JID. The owner publishes (nodes are created on first
// publish, with publish-options preconditions), configures, retracts, purges and deletes;
// contacts with a presence subscription, explicit subscribers and, for open nodes, presence
// sharers get notifications, filtered by the '+notify' features of their capabilities
// (XEP-0115, from the caps module's 'caps/changed'), and the last item on initial presence.
// Private storage (XEP-0223), avatars (XEP-0084) and bookmarks (XEP-0402, with the XEP-0048
// 'storage:bookmarks' node as a view, XEP-0411) are personal nodes like any other.
import { defineModule } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { Audience } from './audience.js';
import { installDisco } from './disco.js';
import { installHandlers } from './handlers.js';
import { LastItems } from './last.js';
import { LegacyBookmarks } from './legacy.js';
import { Notifier } from './notify.js';
import { pepOptions } from './options.js';
import { PepService } from './service.js';
import { AccountState } from './state.js';
import { hasFrom } from '../../xmpp/subscription.js';

/** XEP-0060 §16.2 features of what this service does. */
const FEATURES = [
  'access-open', 'access-presence', 'access-roster', 'access-whitelist', 'auto-create', 'auto-subscribe',
  'config-node', 'config-node-max', 'create-and-configure', 'create-nodes', 'delete-items', 'delete-nodes',
  'filtered-notifications', 'item-ids', 'last-published', 'member-affiliation', 'modify-affiliations',
  'multi-items', 'outcast-affiliation', 'persistent-items', 'publish', 'publish-options', 'purge-nodes',
  'retract-items', 'retrieve-default', 'retrieve-items', 'subscribe',
].map((f) => `${NS.PUBSUB}#${f}`);

export default defineModule({
  name: 'pep',
  description: 'Personal eventing: a pubsub service on every account (XEP-0163)',
  specs: ['XEP-0163', 'XEP-0060', 'XEP-0223', 'XEP-0084', 'XEP-0402', 'XEP-0411'],
  options: pepOptions,
  setup(api) {
    // XEP-0163 §7: identity pubsub/pep on the account; XEP-0223 §6: and on the server.
    for (const target of ['account', 'host'] as const) {
      api.addIdentity({ category: 'pubsub', type: 'pep' }, target);
      for (const f of FEATURES) api.addFeature(f, target);
      // XEP-0060 §5.1: the protocol itself, RECOMMENDED for older clients.
      api.addFeature(NS.PUBSUB, target);
    }
    // XEP-0060 §9: a bare JID that is a pubsub service MUST say so.
    api.addFeature(`${NS.PUBSUB}#pubsub-on-a-jid`, 'account');
    // XEP-0402 §6.3: the XEP-0048 PEP node is unified with the XEP-0402 one.
    api.addFeature(`${NS.BOOKMARKS}#compat-pep`, 'account');

    const audience = new Audience(api);
    const state = new AccountState(api, api.options.cache_size);
    const notifier = new Notifier(api, audience, state);
    const svc = new PepService(api, state, notifier);
    const last = new LastItems(api, svc, audience);
    const legacy = new LegacyBookmarks(svc);
    last.virtual = (owner, to, names, trigger) => legacy.sendLast(owner, to, names, trigger);
    const bookmarksChanged = (owner: Jid): void => {
      legacy.changed(owner).catch((err: unknown) => api.log.error('pep: bookmarks notification failed', { owner: owner.bare, err }));
    };
    svc.onChange = (owner, node) => node === NS.BOOKMARKS && bookmarksChanged(owner);
    installHandlers(api, svc, last, legacy);
    installDisco(api, svc);

    // XEP-0163 §4.3.4: a resource whose capabilities newly ask for nodes gets their last items.
    api.on('caps/changed', ({ jid, features }) => last.interestAdded(jid, audience.capsChanged(jid, features)));

    // XEP-0060 §9.1.2-§9.1.3: entities of other domains are known by the presence they send.
    for (const event of ['presence/bare', 'presence/full'] as const) {
      api.on(event, ({ stanza, from, to }) => {
        if (from.domain === api.host || from.resource === '' || to.local === '' || stanza.attrs.to === undefined) return;
        const type = stanza.attrs.type as string | undefined;
        const owner = to.toBare();
        if (type === undefined && audience.sharerAvailable(owner, from)) {
          last.sharerArrived(owner, from).catch((err: unknown) => api.log.error('pep: last item failed', { owner: owner.bare, err }));
        } else if (type === 'unavailable') audience.sharerGone(from, owner);
      });
    }

    // XEP-0163 §3: access follows the roster; a new presence subscriber is a new subscriber
    // (§4.3.4), as the roster module reports each move of a subscription.
    api.on('roster/changed', ({ host, username }) => {
      state.rosterChanged(Jid.of(username, host));
    });
    api.on('roster/subscription', async ({ host, username, contact, before, after }) => {
      if (host !== api.host || !hasFrom(after) || hasFrom(before)) return;
      const subscriber = Jid.tryParse(contact);
      if (subscriber) await last.newSubscriber(Jid.of(username, host), subscriber);
    });

    // Changes other modules made in storage (bookmarks through private storage, avatars from vCards).
    api.on('pep/changed', async (ev) => {
      if (ev.by === 'pep') return;
      state.nodesChanged(ev.owner);
      const node = await svc.node(ev.owner, ev.node);
      if (node) {
        // The other module wrote without this service's limits: the node keeps what its
        // configuration allows here (pep.max_items for 'max'), the oldest items going first.
        await svc.trim(ev.owner, node);
        await svc.notifyChange(ev.owner, node, ev);
      }
      if (ev.node === NS.BOOKMARKS) bookmarksChanged(ev.owner);
    });

    api.on('account/deleted', ({ host, username }) => {
      const owner = Jid.of(username, host);
      state.nodesChanged(owner);
      state.rosterChanged(owner);
      // Storage removed the nodes, with their subscriptions. Not awaited: the handlers after
      // this one need not wait for it.
      svc.subscribed.forget(owner).catch((err: unknown) => api.log.error('pep: subscriptions of a deleted account not forgotten', { owner: owner.bare, err }));
    });
  },
});
