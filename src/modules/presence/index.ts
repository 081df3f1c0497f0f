// RFC 6121 §4: exchanging presence. Broadcasts of available and unavailable presence to
// subscribed contacts and the user's own resources, presence probes, and directed presence.
// Subscription presence (subscribe, subscribed, unsubscribe, unsubscribed) is the roster
// module's; availability and priority are tracked by the core before this module runs, and core
// delivery delivers directed presence and presence errors (§8.5.2.1.2, §8.5.3.1).
import { defineModule, z } from '../../core/module-api.js';
import { PresenceBroadcaster } from './broadcast.js';
import { presenceKind } from './rules.js';

/**
 * Outbound tracking runs after the modules that may stop an outbound stanza (blocking, privacy),
 * so that only presence which really leaves is remembered.
 */
const OUTBOUND_PRIORITY = -100;

export default defineModule({
  name: 'presence',
  description: 'Presence broadcasts, probes and directed presence (RFC 6121 §4)',
  specs: ['RFC 6121'],
  options: z.strictObject({}),
  setup(api) {
    const presence = new PresenceBroadcaster(api);

    // §4.2, §4.4: initial and subsequent presence, as reported by the availability tracking.
    api.on('presence/available', ({ session, initial }) => presence.available(session, initial));
    // §4.5, §4.6.3: explicit unavailable presence, or a session that ended while available.
    api.on('presence/unavailable', ({ session }) => presence.unavailable(session));

    api.on('presence/outbound', ({ stanza, to, origin }) => {
      if (!origin) return;
      const kind = presenceKind(stanza);
      if (stanza.attrs.to === undefined) {
        // The client's own unavailable broadcast: keep it, so its status goes out (§4.5.1).
        if (kind === 'unavailable' && origin.available) presence.keepClientUnavailable(origin, stanza);
        return;
      }
      if (to.bare === origin.jid.bare) return;
      // §4.6: directed presence is delivered by the core; remember who got it. Also from a
      // session that is not available (no initial presence yet, or after unavailable): such a
      // recipient, typically a chat room, still learns when the session ends (RFC 3921 §5.1.4).
      if (kind === 'available') presence.directed.add(origin, to.full);
      else if (kind === 'unavailable') presence.directed.remove(origin, to.full);
    }, OUTBOUND_PRIORITY);
    // A session that ends while not available fires no presence/unavailable: tell its
    // directed-presence recipients here.
    api.on('session/closed', ({ session }) => {
      if (api.sessionsOf(session.jid.toBare()).length === 0) presence.forgetLists(session.jid.bare);
      return presence.closed(session);
    });
    api.on('roster/changed', ({ host, username }) => presence.forgetLists(`${username}@${host}`));
    api.on('account/deleted', ({ host, username }) => presence.forgetLists(`${username}@${host}`));

    // §4.3.2: probes to a local account, bare or full JID, are answered by the server on the
    // account's behalf and never delivered to clients. Other presence goes on to core delivery.
    for (const event of ['presence/bare', 'presence/full'] as const) {
      api.on(event, ({ stanza, from, to }) => {
        if (stanza.attrs.to === undefined || presenceKind(stanza) !== 'probe') return;
        return presence.answerProbe(to.toBare(), from, from).then(() => true);
      });
    }
  },
});
