// What a deleted account leaves on the rosters of this server's other accounts. Their
// subscriptions to it and from it end, as if it had sent "unsubscribe" and "unsubscribed"
// (RFC 6121 §3.2.3, §3.3.3), its requests awaiting an answer go, and so does a pre-approval
// for it (§3.4): a later account of the same name starts as a stranger. Storage finds the
// holders by contact (RosterStore.holders), so this works when the account's own roster is
// already gone, as after a deletion with the CLI.
import { Jid } from '../../xmpp/jid.js';
import { hasTo } from '../../xmpp/subscription.js';
import { xml } from '../../xmpp/xml.js';
import { deliver } from './inbound.js';
import type { RosterContext } from './context.js';
import { presenceAfterChange, readState, subscriptionStanza, writeState } from './state.js';
import { inbound } from './subscriptions.js';

/**
 * Ends what `user` (on this host) holds for `gone`, under the account's lock. `resources` are
 * the full JIDs gone's sessions had when it was deleted: a user subscribed to its presence
 * learns that they are unavailable, as the contact's server tells on a cancellation (§3.2.3).
 * The storage that would have told it on their close holds no roster for gone any more.
 */
async function release(rc: RosterContext, user: Jid, gone: Jid, resources: readonly string[]): Promise<void> {
  const after = await rc.lock.run(user.bare, async () => {
    const cur = await readState(rc, user, gone.bare);
    const unsubscribe = inbound('unsubscribe', cur.state, cur.approved);
    const unsubscribed = inbound('unsubscribed', unsubscribe.state, unsubscribe.approved);
    const next = { ...unsubscribed, approved: false };
    await writeState(rc, user, gone.bare, cur, next);
    // The account's clients are told as they would be by the contact's own stanzas.
    if (hasTo(cur.state.subscription)) for (const from of resources) deliver(rc, user, xml('presence', { type: 'unavailable', from, to: user.bare }));
    if (unsubscribe.pass) deliver(rc, user, subscriptionStanza('unsubscribe', gone, user));
    if (unsubscribed.pass) deliver(rc, user, subscriptionStanza('unsubscribed', gone, user));
    return () => presenceAfterChange(rc, user, gone, cur.state, next.state);
  });
  after();
}

/**
 * The `account/deleted` work: every account holding `gone` is released. Those on this host
 * directly; those on another host of this server get the two stanzas, which that host's roster
 * handles as it would any contact's (a pre-approval there stays).
 */
export async function releaseHolders(rc: RosterContext, gone: Jid): Promise<void> {
  const { api } = rc;
  // Taken before the first await: the sessions end right after the deletion is announced.
  const resources = api.sessionsOf(gone).filter((s) => s.available).map((s) => s.jid.full);
  const holders = await api.storage.roster.holders(gone.bare);
  for (const { host, username } of holders) {
    const user = Jid.of(username, host);
    if (host === api.host) {
      await release(rc, user, gone, resources);
    } else {
      api.send(subscriptionStanza('unsubscribe', gone, user));
      api.send(subscriptionStanza('unsubscribed', gone, user));
    }
  }
  if (holders.length > 0) api.log.info('deleted account removed from rosters', { account: gone.bare, rosters: holders.length });
}
