// RFC 6121 §3: subscription stanzas arriving for a local account, from a local or a remote
// contact (§3.1.3 request, §3.1.6 approval, §3.2.3 cancellation, §3.3.3 unsubscribing, §3.4
// pre-approval), and requests kept for an account that was offline, redelivered when it next
// comes online (§3.1.3).
import { withAttrs } from '../../xmpp/stanza.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { Jid } from '../../xmpp/jid.js';
import { blocks } from '../../xmpp/blocklist.js';
import type { RosterContext, Session, StanzaEv } from './context.js';
import { presenceAfterChange, readState, sendPresence, subscriptionStanza, writeState } from './state.js';
import { parseStored } from '../../xmpp/stored.js';
import { inbound, isSubscriptionType, type SubscriptionType } from './subscriptions.js';
import { hasFrom } from '../../xmpp/subscription.js';

async function accountExists(rc: RosterContext, user: Jid): Promise<boolean> {
  return rc.api.sessionsOf(user).length > 0 || (await rc.api.storage.accounts.get(user.domain, user.local)) !== undefined;
}

/** Presence goes to available resources (RFC 6121 §2.2, implementation note; §3.1.3). */
export function deliver(rc: RosterContext, user: Jid, stanza: Element): void {
  for (const s of rc.api.sessionsOf(user)) if (s.available) s.send(stanza);
}

/**
 * Handles the stanza under the account's lock and returns what follows it: the approval given on
 * the account's behalf and the presence that goes with a change, sent once the lock is released.
 */
async function handleInbound(rc: RosterContext, ev: StanzaEv, type: SubscriptionType): Promise<(() => Promise<void>) | undefined> {
  const { api } = rc;
  const user = ev.to.toBare();
  const contact = ev.from.toBare();
  if (!(await accountExists(rc, user))) {
    // §8.5.1: for an account that does not exist, a request is answered "unsubscribed" (the
    // same answer a refusal gets, so nothing is revealed) and the other types are ignored.
    if (type === 'subscribe') api.send(subscriptionStanza('unsubscribed', user, contact));
    return undefined;
  }
  const cur = await readState(rc, user, contact.bare);
  const next = inbound(type, cur.state, cur.approved);
  // What the account's clients see comes from the contact's bare JID (§3.1.1), to the account.
  const stanza = withAttrs(ev.stanza, { from: contact.bare, to: user.bare });
  // A new request is kept until answered, as long as the account has room for it: requests
  // from strangers must not grow without bound (the same bound as the roster's).
  const keep = next.state.pendingIn && !cur.state.pendingIn && cur.pendingCount < api.options.max_items;
  await writeState(rc, user, contact.bare, cur, next, keep ? stanza : undefined);
  if (next.pass) deliver(rc, user, stanza);
  return async () => {
    if (next.autoApprove) {
      // §3.1.3 (already subscribed) and §3.4 (pre-approved): approved on the account's behalf,
      // and handled on the contact's side before the presence that follows it (§3.1.5, RFC 6120
      // §10.1). Outside the account's lock: two accounts approving each other at once must not
      // wait for each other's.
      await api.send(subscriptionStanza('subscribed', user, contact));
      // With the approval goes the account's presence, also when the contact was subscribed
      // already: its server evidently lost track of the subscription.
      if (hasFrom(cur.state.subscription)) sendPresence(rc, user, contact);
    }
    presenceAfterChange(rc, user, contact, cur.state, next.state);
  };
}

/**
 * The `presence/bare` and `presence/full` handler: a subscription stanza for a local account
 * (§3.1.1: one sent to a full JID counts for the bare JID) is handled here and never reaches
 * core delivery. Other presence costs nothing here.
 */
export function inboundHandler(rc: RosterContext) {
  return (ev: StanzaEv): true | undefined | Promise<true> => {
    const type: unknown = ev.stanza.attrs.type;
    if (!isSubscriptionType(type) || ev.stanza.attrs.to === undefined) return undefined;
    // Self-subscription is implicit; a stanza about it changes nothing.
    if (ev.from.bare === ev.to.bare) return true;
    return rc.lock.run(ev.to.bare, () => handleInbound(rc, ev, type)).then(async (followUp) => {
      await followUp?.();
      return true as const;
    });
  };
}

/** §3.1.3: requests that arrived while the account was offline, to a session that just came online. */
async function redeliver(rc: RosterContext, session: Session): Promise<void> {
  const user = session.jid.toBare();
  const pending = await rc.api.storage.roster.listPendingIn(rc.api.host, user.local);
  if (pending.length === 0) return;
  // XEP-0191 §3.3: nothing from a JID the user has blocked since, the request included.
  const blocked = new Set(await rc.api.storage.blocklist.list(rc.api.host, user.local));
  for (const p of pending) {
    if (!session.available) return;
    const from = Jid.tryParse(p.jid);
    if (from && blocks(blocked, from)) continue;
    // A stored request that cannot be read is still a request: the bare one stands in for it.
    const stanza = parseStored(p.stanza) ?? xml('presence', { type: 'subscribe', from: p.jid, to: user.bare });
    session.send(stanza);
  }
}

/** The `presence/available` handler: redelivery on initial presence only. */
export function redeliveryHandler(rc: RosterContext) {
  return ({ session, initial }: { session: Session; initial: boolean }): undefined | Promise<undefined> => {
    if (!initial) return undefined;
    return redeliver(rc, session).then(
      () => undefined,
      (err: unknown) => {
        // Presence goes on regardless; the requests stay stored for the next login.
        rc.api.log.error('pending subscription requests not redelivered', { session: session.id, err });
        return undefined;
      },
    );
  };
}
