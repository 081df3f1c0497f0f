// RFC 6121 §2 (roster management) and §3 (presence subscriptions), with roster versioning
// (XEP-0237, RFC 6121 §2.6). Wiring only: items.ts (the wire format and roster set checks),
// iq.ts (roster get/set), subscriptions.ts (the state tables of Appendix A), state.ts (reading
// and writing a subscription state), outbound.ts / inbound.ts (the user's and the contact's
// server), deleted.ts (what a deleted account leaves on others' rosters), push.ts (roster
// pushes), version.ts ('ver' strings), lock.ts (one change at a time per account). Presence broadcasts and probes are the presence module's (§4).
import { defineModule } from '../../core/module-api.js';
import { xml } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { Jid } from '../../xmpp/jid.js';
import type { RosterContext } from './context.js';
import { inboundHandler, redeliveryHandler } from './inbound.js';
import { installRosterIq } from './iq.js';
import { NS_ROSTERVER } from './items.js';
import { KeyedQueue } from '../../core/module-api.js';
import { rosterOptions } from './options.js';
import { cancelAll, outboundHandler } from './outbound.js';
import { releaseHolders } from './deleted.js';
import { RosterPushes } from './push.js';
import { EpochCache } from './version.js';

export default defineModule({
  name: 'roster',
  description: 'Rosters, presence subscriptions and roster versioning (RFC 6121 §2, §3; XEP-0237)',
  specs: ['RFC 6121', 'XEP-0237'],
  options: rosterOptions,
  setup(api) {
    // RFC 6121 features are not announced in disco; versioning (XEP-0237 §2.1) and subscription
    // pre-approval (RFC 6121 §3.4: a server that supports it MUST announce it) are stream features.
    api.addStreamFeature('bound', xml('ver', { xmlns: NS_ROSTERVER }));
    api.addStreamFeature('bound', xml('sub', { xmlns: NS.PRE_APPROVAL }));

    const epochs = new EpochCache(async (username) => (await api.storage.accounts.get(api.host, username))?.createdAt);
    const rc: RosterContext = {
      api,
      lock: new KeyedQueue(),
      pushes: new RosterPushes((bare) => api.sessionsOf(bare), epochs, (user) => api.emit('roster/changed', { host: user.domain, username: user.local })),
      epochs,
    };

    installRosterIq(rc);
    // After blocking (which refuses stanzas to and from blocked JIDs first), before delivery.
    api.on('presence/outbound', outboundHandler(rc));
    api.on('presence/bare', inboundHandler(rc));
    api.on('presence/full', inboundHandler(rc));
    api.on('presence/available', redeliveryHandler(rc));

    // The epoch cache holds accounts with sessions only.
    api.on('session/closed', ({ session }) => {
      if (api.sessionsOf(session.jid.toBare()).length === 0) epochs.forget(session.jid.local);
    });
    api.on('account/deleted', ({ host, username }) => {
      // Storage drops the account's own roster with it; the cache is ours to clear, and the
      // other accounts' rosters that hold it are released (deleted.ts).
      if (host !== api.host) return;
      epochs.forget(username);
      releaseHolders(rc, Jid.of(username, host)).catch((err: unknown) => {
        api.log.error('deleted account not removed from rosters', { account: `${username}@${host}`, err });
      });
    });
    api.on('account/deleting', ({ host, username }) => {
      if (host !== api.host) return undefined;
      const user = Jid.of(username, host);
      return rc.lock.run(user.bare, () => cancelAll(rc, user)).then(() => undefined);
    });
  },
});
