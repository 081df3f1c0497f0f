// RFC 6121 §3: subscription stanzas a user's session sends (§3.1.2 request, §3.1.5 approval,
// §3.2.2 cancellation, §3.3.2 unsubscribing, §3.4 pre-approval), and the cancellations a roster
// remove implies (§2.5.2). The user's server updates the user's side and lets the stanza go on,
// from the user's bare JID, to the contact, whose own server (this one or another) does the rest.
import { Jid } from '../../xmpp/jid.js';
import type { RosterItem } from '../../storage/types.js';
import type { RosterContext, Session, StanzaEv } from './context.js';
import { presenceAfterChange, readState, subscriptionStanza, writeState } from './state.js';
import { isSubscriptionType, outbound, type SubscriptionType } from './subscriptions.js';
import { hasFrom, hasTo } from '../../xmpp/subscription.js';

/** What to do once the user's side is written: stop the stanza, or forward it and follow up. */
type Outcome = true | { followUp: () => void };

async function handleOutbound(rc: RosterContext, session: Session, ev: StanzaEv, type: SubscriptionType): Promise<Outcome> {
  const user = session.jid.toBare();
  // §3.1.1: subscriptions are between bare JIDs; a full JID in 'to' stands for its bare JID.
  const contact = ev.to.toBare();
  const cur = await readState(rc, user, contact.bare);
  const next = outbound(type, cur.state, cur.approved);
  // Errors (a full roster) are thrown before anything leaves; the router answers the session.
  await writeState(rc, user, contact.bare, cur, next);
  if (!next.pass) return true;
  // §3.1.2: the stanza goes on stamped with the user's bare JID, to the contact's bare JID. It
  // is this very stanza, which the router then carries on, so that it stays in order with what
  // the session sends next (RFC 6120 §10.1). The event's `from` and `to` keep the session's
  // full JID and the address as written: the contact's side reads bare JIDs from them.
  ev.stanza.attrs.from = user.bare;
  ev.stanza.attrs.to = contact.bare;
  // The presence that follows an approval or a cancellation (§3.1.5, §3.2.2) must reach the
  // contact after the stanza has been processed there, so it follows once that is done.
  return { followUp: () => presenceAfterChange(rc, user, contact, cur.state, next.state) };
}

/**
 * Forwards the stamped stanza itself and waits until the contact's side has handled it, then
 * sends the presence that follows. Outside the user's lock: the contact's side may answer at
 * once (pre-approval), which needs the user's lock. The session's stream waits for all of it,
 * so what the session sends next stays in order (RFC 6120 §10.1).
 */
async function forward(rc: RosterContext, ev: StanzaEv, outcome: Outcome): Promise<true> {
  if (outcome === true) return true;
  await rc.api.send(ev.stanza);
  outcome.followUp();
  return true;
}

/**
 * The `presence/outbound` handler. A subscription stanza either goes on to the contact as
 * stamped above, or stops here (pre-approval, nothing to cancel: Appendix A.2). Other presence
 * costs nothing here.
 */
export function outboundHandler(rc: RosterContext) {
  return (ev: StanzaEv): true | undefined | Promise<true> => {
    const type: unknown = ev.stanza.attrs.type;
    const session = ev.origin;
    if (!session || !isSubscriptionType(type)) return undefined;
    // Without 'to' the stanza would be for the user's own account, and a user is implicitly
    // subscribed to themselves: there is nothing to manage, so it is dropped.
    if (ev.stanza.attrs.to === undefined || ev.to.bare === session.jid.bare) return true;
    return rc.lock.run(session.jid.bare, () => handleOutbound(rc, session, ev, type)).then((o) => forward(rc, ev, o));
  };
}

/**
 * §2.5.2: removing an item cancels the subscriptions both ways: unsubscribe if the user was
 * subscribed to the contact or had asked to be, unsubscribed if the contact was subscribed to
 * the user or had asked to be; and the contact, no longer allowed to see the user's presence,
 * gets an unavailable presence from each of the user's available resources (§3.2.2), after the
 * contact's server has handled the two (as forward() orders it). Run outside the user's lock:
 * the contact's handlers take the contact's, and two users removing each other at once must
 * not wait for each other.
 */
export async function cancelBothWays(rc: RosterContext, user: Jid, contact: Jid, item: RosterItem, pendingIn: boolean): Promise<void> {
  if (hasTo(item.subscription) || item.ask) await rc.api.send(subscriptionStanza('unsubscribe', user, contact));
  if (hasFrom(item.subscription) || pendingIn) await rc.api.send(subscriptionStanza('unsubscribed', user, contact));
  presenceAfterChange(rc, user, contact, { subscription: item.subscription, pendingOut: false, pendingIn: false }, { subscription: 'none', pendingOut: false, pendingIn: false });
}

/**
 * XEP-0077 §3.2: an account its client is deleting cancels every subscription, both ways, as
 * removing each item would (§2.5.2), and refuses the requests still pending: no contact keeps
 * seeing it, or a later account of the same name.
 */
export async function cancelAll(rc: RosterContext, user: Jid): Promise<void> {
  const { api } = rc;
  const [roster, pending] = await Promise.all([api.storage.roster.get(api.host, user.local), api.storage.roster.listPendingIn(api.host, user.local)]);
  const pendingIn = new Set(pending.map((p) => p.jid));
  for (const item of roster.items) {
    const contact = Jid.tryParse(item.jid);
    // Under the user's lock, waiting for the contacts' handlers: they take only their own
    // locks and send nothing while holding them, so this cannot wait on itself. The account
    // is deleted only after every contact has been told.
    if (contact) await cancelBothWays(rc, user, contact, item, pendingIn.delete(item.jid));
  }
  for (const jid of pendingIn) {
    const contact = Jid.tryParse(jid);
    if (contact) api.send(subscriptionStanza('unsubscribed', user, contact));
  }
}
