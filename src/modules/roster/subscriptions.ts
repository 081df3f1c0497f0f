// RFC 6121 §3 and Appendix A: presence subscription states and what each subscription stanza
// does to them, as tables. Pure: no I/O. The wiring (outbound.ts, inbound.ts) reads the state
// from storage, asks these rules, and writes, pushes, routes or delivers what they say.
//
// A state is the subscription of a roster item ('none', 'to', 'from', 'both') plus two pending
// flags: "Pending Out" (the user asked the contact, shown as ask='subscribe') and "Pending In"
// (the contact asked the user, kept apart from the roster by the store's pending-in list, since
// a request alone does not put the contact on the user's roster). Appendix A.1 defines the nine
// meaningful combinations.
import type { Subscription } from '../../storage/types.js';
import { hasFrom, hasTo } from '../../xmpp/subscription.js';

export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

const TYPES: ReadonlySet<string> = new Set<SubscriptionType>(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

/** True for the four presence types that manage subscriptions (RFC 6121 §3). */
export function isSubscriptionType(type: unknown): type is SubscriptionType {
  return typeof type === 'string' && TYPES.has(type);
}

export interface SubState {
  readonly subscription: Subscription;
  readonly pendingOut: boolean;
  readonly pendingIn: boolean;
}

/** The defined states of Appendix A.1, named as the RFC names them. */
export type StateName =
  | 'None' | 'None + Pending Out' | 'None + Pending In' | 'None + Pending Out+In'
  | 'To' | 'To + Pending In' | 'From' | 'From + Pending Out' | 'Both';

export const STATES: Readonly<Record<StateName, SubState>> = {
  None: { subscription: 'none', pendingOut: false, pendingIn: false },
  'None + Pending Out': { subscription: 'none', pendingOut: true, pendingIn: false },
  'None + Pending In': { subscription: 'none', pendingOut: false, pendingIn: true },
  'None + Pending Out+In': { subscription: 'none', pendingOut: true, pendingIn: true },
  To: { subscription: 'to', pendingOut: false, pendingIn: false },
  'To + Pending In': { subscription: 'to', pendingOut: false, pendingIn: true },
  From: { subscription: 'from', pendingOut: false, pendingIn: false },
  'From + Pending Out': { subscription: 'from', pendingOut: true, pendingIn: false },
  Both: { subscription: 'both', pendingOut: false, pendingIn: false },
};

/**
 * The defined state for any combination. Flags that cannot coexist with the subscription (a
 * request for what is already granted) are dropped: "To + Pending Out" is "To", and so on.
 */
export function stateName(s: SubState): StateName {
  const out = s.pendingOut && !hasTo(s.subscription);
  const inn = s.pendingIn && !hasFrom(s.subscription);
  switch (s.subscription) {
    case 'none':
      return out && inn ? 'None + Pending Out+In' : out ? 'None + Pending Out' : inn ? 'None + Pending In' : 'None';
    case 'to':
      return inn ? 'To + Pending In' : 'To';
    case 'from':
      return out ? 'From + Pending Out' : 'From';
    case 'both':
      return 'Both';
  }
}

/** One row: whether the stanza goes on (routed or delivered), and the new state (none: no change). */
export interface Rule {
  readonly pass: boolean;
  readonly next?: StateName;
}

type Table = Readonly<Record<StateName, Rule>>;

const go = (next?: StateName): Rule => (next ? { pass: true, next } : { pass: true });
const stop: Rule = { pass: false };

/**
 * Appendix A.2: the user's server, for a subscription stanza the user sends. "Route" means
 * towards the contact. Subscribe and unsubscribe are always routed, so that a contact's server
 * that lost its state gets it back; approvals and cancellations only where they change
 * something (§3.1.5, §3.2.2).
 */
export const OUTBOUND: Readonly<Record<SubscriptionType, Table>> = {
  subscribe: {
    None: go('None + Pending Out'),
    'None + Pending Out': go(),
    'None + Pending In': go('None + Pending Out+In'),
    'None + Pending Out+In': go(),
    To: go(),
    'To + Pending In': go(),
    From: go('From + Pending Out'),
    'From + Pending Out': go(),
    Both: go(),
  },
  unsubscribe: {
    None: go(),
    'None + Pending Out': go('None'),
    'None + Pending In': go(),
    'None + Pending Out+In': go('None + Pending In'),
    To: go('None'),
    'To + Pending In': go('None + Pending In'),
    From: go(),
    'From + Pending Out': go('From'),
    Both: go('From'),
  },
  subscribed: {
    None: stop, // pre-approval (§3.4)
    'None + Pending Out': stop, // pre-approval
    'None + Pending In': go('From'),
    'None + Pending Out+In': go('From + Pending Out'),
    To: stop, // pre-approval
    'To + Pending In': go('Both'),
    From: stop,
    'From + Pending Out': stop,
    Both: stop,
  },
  unsubscribed: {
    None: stop,
    'None + Pending Out': stop,
    'None + Pending In': go('None'),
    'None + Pending Out+In': go('None + Pending Out'),
    To: stop,
    'To + Pending In': go('To'),
    From: go('None'),
    'From + Pending Out': go('None + Pending Out'),
    Both: go('To'),
  },
};

/**
 * Appendix A.3: the contact's server, for a subscription stanza arriving for a local account
 * (the "user" of each row being that account). "Pass" means deliver to the account's available
 * resources.
 */
export const INBOUND: Readonly<Record<SubscriptionType, Table>> = {
  subscribe: {
    None: go('None + Pending In'),
    'None + Pending Out': go('None + Pending Out+In'),
    'None + Pending In': stop,
    'None + Pending Out+In': stop,
    To: go('To + Pending In'),
    'To + Pending In': stop,
    From: stop, // answered with subscribed on the account's behalf (§3.1.3)
    'From + Pending Out': stop, // idem
    Both: stop, // idem
  },
  unsubscribe: {
    None: stop,
    'None + Pending Out': stop,
    'None + Pending In': go('None'),
    'None + Pending Out+In': go('None + Pending Out'),
    To: stop,
    'To + Pending In': go('To'),
    From: go('None'),
    'From + Pending Out': go('None + Pending Out'),
    Both: go('To'),
  },
  subscribed: {
    None: stop,
    'None + Pending Out': go('To'),
    'None + Pending In': stop,
    'None + Pending Out+In': go('To + Pending In'),
    To: stop,
    'To + Pending In': stop,
    From: stop,
    'From + Pending Out': go('Both'),
    Both: stop,
  },
  unsubscribed: {
    None: stop,
    'None + Pending Out': go('None'),
    'None + Pending In': stop,
    'None + Pending Out+In': go('None + Pending In'),
    To: go('None'),
    'To + Pending In': go('None + Pending In'),
    From: stop,
    'From + Pending Out': go('From'),
    Both: go('From'),
  },
};

export interface Decision {
  /** Outbound: route to the contact. Inbound: deliver to the account's available resources. */
  readonly pass: boolean;
  readonly state: SubState;
  /** The pre-approval flag afterwards (§3.4). */
  readonly approved: boolean;
  /** Inbound only: answer `subscribed` on the account's behalf (§3.1.3, §3.4). */
  readonly autoApprove: boolean;
}

function apply(table: Table, current: SubState): { pass: boolean; state: SubState } {
  const name = stateName(current);
  const rule = table[name];
  return { pass: rule.pass, state: rule.next ? STATES[rule.next] : STATES[name] };
}

/** What a subscription stanza the user sends does (Appendix A.2, with pre-approval §3.4). */
export function outbound(type: SubscriptionType, current: SubState, approved: boolean): Decision {
  const { pass, state } = apply(OUTBOUND[type], current);
  let nowApproved = approved;
  if (type === 'subscribed') {
    // §3.4: "subscribed" with no request to answer, to a contact not yet subscribed to the
    // user, pre-approves a future request. An actual approval makes the flag meaningless.
    nowApproved = !pass && !hasFrom(state.subscription);
  } else if (type === 'unsubscribed') {
    // Denying or cancelling also withdraws a pre-approval.
    nowApproved = false;
  }
  return { pass, state, approved: nowApproved, autoApprove: false };
}

/** What a subscription stanza arriving for a local account does (Appendix A.3, §3.1.3, §3.4). */
export function inbound(type: SubscriptionType, current: SubState, approved: boolean): Decision {
  const name = stateName(current);
  if (type === 'subscribe' && !hasFrom(current.subscription) && approved && !current.pendingIn) {
    // §3.4: pre-approved, so the request is approved at once and never delivered: the state
    // becomes what the account's own "subscribed" would have made of it.
    const asked = { ...current, pendingIn: true };
    return { pass: false, state: apply(OUTBOUND.subscribed, asked).state, approved: false, autoApprove: true };
  }
  const { pass, state } = apply(INBOUND[type], current);
  // §3.1.3: a request from a contact already subscribed is answered on the account's behalf.
  const autoApprove = type === 'subscribe' && hasFrom(STATES[name].subscription);
  return { pass, state, approved: approved && !hasFrom(state.subscription), autoApprove };
}

/** True when the two states differ in what a roster item shows (subscription, ask). */
export function itemChanged(a: SubState, b: SubState): boolean {
  return a.subscription !== b.subscription || a.pendingOut !== b.pendingOut;
}
