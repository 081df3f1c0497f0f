// XEP-0357: Push Notifications. A client registers its app server's push service (a JID and a
// node) for the account (§5, commands.ts); when a message that warrants it (rules.ts) is held for
// the account — stored offline because no resource receives it, or queued for a resource whose
// connection dropped and that waits to be resumed (XEP-0198 §5) — each registered device that is
// not connected is sent a notification (§7, notify.ts), one per burst (state.ts). Until
// server-to-server exists, only push services on this server's own domains can be reached.
import { defineModule, type ClientSession } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { installCommands } from './commands.js';
import { Notifier, type NotifierDeps } from './notify.js';
import { pushOptions } from './options.js';
import { heldForBare, heldForFull, warrantsNotification } from './rules.js';
import { Bursts, RegistrationCache } from './state.js';

/**
 * Above the offline module (-500), which takes the messages it stores, and below the modules
 * that may stop a message first (blocking 500).
 */
export const PUSH_PRIORITY = -400;

/** Accounts whose burst state is kept at most (a few numbers each). */
const BURSTS_KEPT = 100_000;

export default defineModule({
  name: 'push',
  description: 'Push notifications to the app servers of mobile clients (XEP-0357)',
  specs: ['XEP-0357'],
  options: pushOptions,
  setup(api) {
    // §4.1: on the account's JID, where clients look.
    api.addFeature(NS.PUSH, 'account');

    const registrations = new RegistrationCache((username) => api.storage.push.list(api.host, username), api.options.cache_size);
    const bursts = new Bursts(api.options.min_interval * 1000, BURSTS_KEPT);
    const deps: NotifierDeps = { api, registrations, bursts, devices: new WeakMap<ClientSession, Set<string>>() };
    const notifier = new Notifier(deps);
    installCommands(deps);

    // The cheap checks first: most messages reach a connected resource and cost nothing more.
    api.on('message/bare', ({ stanza, from, to }) => {
      if (heldForBare(api.sessionsOf(to)) !== undefined && warrantsNotification(stanza)) notifier.held(to, stanza, from);
    }, PUSH_PRIORITY);
    api.on('message/full', ({ stanza, from, to }) => {
      const account = to.toBare();
      if (heldForFull(api.sessionsOf(account), to, stanza) !== undefined && warrantsNotification(stanza)) notifier.held(account, stanza, from);
    }, PUSH_PRIORITY);
    // XEP-0198 §4: what a session that ended never acknowledged is stored offline or handed to
    // another resource by the offline module, below.
    api.on('message/undelivered', ({ stanza, to }) => {
      const sender = Jid.tryParse(stanza.attrs.from as string | undefined);
      if (sender && heldForBare(api.sessionsOf(to)) !== undefined && warrantsNotification(stanza)) notifier.held(to, stanza, sender);
    }, PUSH_PRIORITY);

    // A client of the account is back: it gets what was held, and the burst is over.
    api.on('presence/available', ({ session }) => {
      if (session.priority >= 0) bursts.reset(session.jid.local);
    });
    api.on('session/resumed', ({ session }) => {
      bursts.reset(session.jid.local);
    });
    api.on('account/deleted', (ev) => {
      if (ev.host !== api.host) return;
      registrations.forget(ev.username);
      bursts.reset(ev.username);
    });
  },
});
