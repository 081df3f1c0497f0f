// The subscription state rules of the roster module against every row of RFC 6121 Appendix A:
// A.2 (the user's server, outbound) and A.3 (the contact's server, inbound), plus pre-approval
// (§3.4) and the automatic answer to a request from a contact already subscribed (§3.1.3).
import assert from 'node:assert/strict';
import {
  inbound, isSubscriptionType, outbound, STATES, stateName,
  type StateName, type SubscriptionType,
} from '../../../src/modules/roster/subscriptions.js';

type Row = [existing: StateName, pass: 'MUST' | 'MUST NOT', next: StateName | 'no state change'];

const ALL: StateName[] = ['None', 'None + Pending Out', 'None + Pending In', 'None + Pending Out+In', 'To', 'To + Pending In', 'From', 'From + Pending Out', 'Both'];

// Appendix A.2, as the RFC writes the tables ("ROUTE?" column).
const OUT: Record<SubscriptionType, Row[]> = {
  subscribe: [
    ['None', 'MUST', 'None + Pending Out'],
    ['None + Pending Out', 'MUST', 'no state change'],
    ['None + Pending In', 'MUST', 'None + Pending Out+In'],
    ['None + Pending Out+In', 'MUST', 'no state change'],
    ['To', 'MUST', 'no state change'],
    ['To + Pending In', 'MUST', 'no state change'],
    ['From', 'MUST', 'From + Pending Out'],
    ['From + Pending Out', 'MUST', 'no state change'],
    ['Both', 'MUST', 'no state change'],
  ],
  unsubscribe: [
    ['None', 'MUST', 'no state change'],
    ['None + Pending Out', 'MUST', 'None'],
    ['None + Pending In', 'MUST', 'no state change'],
    ['None + Pending Out+In', 'MUST', 'None + Pending In'],
    ['To', 'MUST', 'None'],
    ['To + Pending In', 'MUST', 'None + Pending In'],
    ['From', 'MUST', 'no state change'],
    ['From + Pending Out', 'MUST', 'From'],
    ['Both', 'MUST', 'From'],
  ],
  subscribed: [
    ['None', 'MUST NOT', 'no state change'],
    ['None + Pending Out', 'MUST NOT', 'no state change'],
    ['None + Pending In', 'MUST', 'From'],
    ['None + Pending Out+In', 'MUST', 'From + Pending Out'],
    ['To', 'MUST NOT', 'no state change'],
    ['To + Pending In', 'MUST', 'Both'],
    ['From', 'MUST NOT', 'no state change'],
    ['From + Pending Out', 'MUST NOT', 'no state change'],
    ['Both', 'MUST NOT', 'no state change'],
  ],
  unsubscribed: [
    ['None', 'MUST NOT', 'no state change'],
    ['None + Pending Out', 'MUST NOT', 'no state change'],
    ['None + Pending In', 'MUST', 'None'],
    ['None + Pending Out+In', 'MUST', 'None + Pending Out'],
    ['To', 'MUST NOT', 'no state change'],
    ['To + Pending In', 'MUST', 'To'],
    ['From', 'MUST', 'None'],
    ['From + Pending Out', 'MUST', 'None + Pending Out'],
    ['Both', 'MUST', 'To'],
  ],
};

// Appendix A.3 ("DELIVER?" column).
const IN: Record<SubscriptionType, Row[]> = {
  subscribe: [
    ['None', 'MUST', 'None + Pending In'],
    ['None + Pending Out', 'MUST', 'None + Pending Out+In'],
    ['None + Pending In', 'MUST NOT', 'no state change'],
    ['None + Pending Out+In', 'MUST NOT', 'no state change'],
    ['To', 'MUST', 'To + Pending In'],
    ['To + Pending In', 'MUST NOT', 'no state change'],
    ['From', 'MUST NOT', 'no state change'],
    ['From + Pending Out', 'MUST NOT', 'no state change'],
    ['Both', 'MUST NOT', 'no state change'],
  ],
  unsubscribe: [
    ['None', 'MUST NOT', 'no state change'],
    ['None + Pending Out', 'MUST NOT', 'no state change'],
    ['None + Pending In', 'MUST', 'None'],
    ['None + Pending Out+In', 'MUST', 'None + Pending Out'],
    ['To', 'MUST NOT', 'no state change'],
    ['To + Pending In', 'MUST', 'To'],
    ['From', 'MUST', 'None'],
    ['From + Pending Out', 'MUST', 'None + Pending Out'],
    ['Both', 'MUST', 'To'],
  ],
  subscribed: [
    ['None', 'MUST NOT', 'no state change'],
    ['None + Pending Out', 'MUST', 'To'],
    ['None + Pending In', 'MUST NOT', 'no state change'],
    ['None + Pending Out+In', 'MUST', 'To + Pending In'],
    ['To', 'MUST NOT', 'no state change'],
    ['To + Pending In', 'MUST NOT', 'no state change'],
    ['From', 'MUST NOT', 'no state change'],
    ['From + Pending Out', 'MUST', 'Both'],
    ['Both', 'MUST NOT', 'no state change'],
  ],
  unsubscribed: [
    ['None', 'MUST NOT', 'no state change'],
    ['None + Pending Out', 'MUST', 'None'],
    ['None + Pending In', 'MUST NOT', 'no state change'],
    ['None + Pending Out+In', 'MUST', 'None + Pending In'],
    ['To', 'MUST', 'None'],
    ['To + Pending In', 'MUST', 'None + Pending In'],
    ['From', 'MUST NOT', 'no state change'],
    ['From + Pending Out', 'MUST', 'From'],
    ['Both', 'MUST', 'From'],
  ],
};

const TYPES: SubscriptionType[] = ['subscribe', 'unsubscribe', 'subscribed', 'unsubscribed'];

describe('roster: subscription states (RFC 6121 Appendix A)', () => {
  it('names the nine defined states of A.1 and maps each back to itself', () => {
    for (const name of ALL) assert.equal(stateName(STATES[name]), name);
  });

  it('drops a pending flag for what is already granted ("To" asking out is "To", A.1)', () => {
    assert.equal(stateName({ subscription: 'to', pendingOut: true, pendingIn: false }), 'To');
    assert.equal(stateName({ subscription: 'from', pendingOut: false, pendingIn: true }), 'From');
    assert.equal(stateName({ subscription: 'both', pendingOut: true, pendingIn: true }), 'Both');
  });

  it('knows the four subscription presence types and nothing else (§3)', () => {
    for (const t of TYPES) assert.ok(isSubscriptionType(t));
    for (const t of [undefined, 'unavailable', 'probe', 'error', 'Subscribe', '']) assert.ok(!isSubscriptionType(t));
  });

  for (const type of TYPES) {
    describe(`outbound "${type}" (A.2, user's server)`, () => {
      for (const [existing, route, next] of OUT[type]) {
        it(`${existing}: ${route} route, ${next}`, () => {
          const d = outbound(type, STATES[existing], false);
          assert.equal(d.pass, route === 'MUST');
          assert.equal(stateName(d.state), next === 'no state change' ? existing : next);
          assert.equal(d.autoApprove, false);
        });
      }
      it('covers every defined state', () => assert.deepEqual(OUT[type].map((r) => r[0]), ALL));
    });

    describe(`inbound "${type}" (A.3, contact's server)`, () => {
      for (const [existing, deliver, next] of IN[type]) {
        it(`${existing}: ${deliver} deliver, ${next}`, () => {
          const d = inbound(type, STATES[existing], false);
          assert.equal(d.pass, deliver === 'MUST');
          assert.equal(stateName(d.state), next === 'no state change' ? existing : next);
        });
      }
      it('covers every defined state', () => assert.deepEqual(IN[type].map((r) => r[0]), ALL));
    });
  }

  describe('pre-approval (§3.4)', () => {
    it('outbound "subscribed" with no request to answer pre-approves in None, None + Pending Out and To, without routing', () => {
      for (const s of ['None', 'None + Pending Out', 'To'] as const) {
        const d = outbound('subscribed', STATES[s], false);
        assert.equal(d.pass, false, s);
        assert.equal(d.approved, true, s);
        assert.equal(stateName(d.state), s);
      }
    });

    it('outbound "subscribed" does not pre-approve a contact already subscribed (From, From + Pending Out, Both)', () => {
      for (const s of ['From', 'From + Pending Out', 'Both'] as const) assert.equal(outbound('subscribed', STATES[s], false).approved, false, s);
    });

    it('an actual approval (a request pending in) leaves no pre-approval behind', () => {
      assert.equal(outbound('subscribed', STATES['None + Pending In'], true).approved, false);
    });

    it('outbound "unsubscribed" withdraws a pre-approval without routing anything', () => {
      const d = outbound('unsubscribed', STATES.None, true);
      assert.equal(d.approved, false);
      assert.equal(d.pass, false);
    });

    it('outbound "subscribe" and "unsubscribe" keep a pre-approval', () => {
      assert.equal(outbound('subscribe', STATES.None, true).approved, true);
      assert.equal(outbound('unsubscribe', STATES.To, true).approved, true);
    });

    it('an inbound request to a pre-approving account is approved at once and not delivered: None -> From', () => {
      const d = inbound('subscribe', STATES.None, true);
      assert.deepEqual([d.pass, d.autoApprove, d.approved, stateName(d.state)], [false, true, false, 'From']);
    });

    it('pre-approved None + Pending Out becomes From + Pending Out, and To becomes Both', () => {
      assert.equal(stateName(inbound('subscribe', STATES['None + Pending Out'], true).state), 'From + Pending Out');
      assert.equal(stateName(inbound('subscribe', STATES.To, true).state), 'Both');
    });

    it('other inbound types do not use the pre-approval', () => {
      for (const t of ['subscribed', 'unsubscribe', 'unsubscribed'] as const) assert.equal(inbound(t, STATES.None, true).autoApprove, false, t);
    });
  });

  it('answers a request from a contact already subscribed with "subscribed" on the account\'s behalf (§3.1.3)', () => {
    for (const s of ['From', 'From + Pending Out', 'Both'] as const) {
      const d = inbound('subscribe', STATES[s], false);
      assert.deepEqual([d.pass, d.autoApprove, stateName(d.state)], [false, true, s], s);
    }
    for (const s of ['None', 'To', 'None + Pending In'] as const) assert.equal(inbound('subscribe', STATES[s], false).autoApprove, false, s);
  });
});
