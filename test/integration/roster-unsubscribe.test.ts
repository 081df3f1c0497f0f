// Ending presence subscriptions over real sockets (RFC 6121 §3): denying a request, unsubscribing,
// cancelling a contact's subscription, and the cancellations of a roster remove (§2.5.2), with
// the roster pushes and presence each side gets. Default modules (presence included), default
// SQLite storage; fresh accounts per test, subscriptions set straight in storage where needed.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { isPresence } from '../support/presence.js';
import { anyPush, isPush, NS_ROSTER } from '../support/roster-push.js';
import { sub, subscriptionSuite } from '../support/roster-subscriptions.js';
import type { TestServer } from '../support/server.js';

describe('presence subscriptions (RFC 6121 §3): denying, unsubscribing, cancelling', () => {
  const suite = subscriptionSuite();
  const { account, connect, roster, setState } = suite;
  let ts: TestServer;
  before(() => {
    ts = suite.ts;
  });

  it('denies a request with unsubscribed: the requester is told and pushed, the request is gone (§3.1.4, Appendix A)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', bob));
    await b.take(isPresence(alice, 'subscribe'));
    b.send(sub('unsubscribed', alice));
    await a.take(isPresence(bob, 'unsubscribed'));
    await a.take(isPush(bob, 'none'));
    assert.deepEqual(await roster(a), { [bob]: 'none' });
    assert.deepEqual(await ts.server.storage.roster.listPendingIn('localhost', bob.split('@')[0]!), []);
  });

  it('unsubscribes: both sides pushed, the contact told, and the user gets the contact\'s unavailable presence (§3.3)', async () => {
    const [alice, bob] = [await account(), await account()];
    await setState(alice, bob, 'both');
    await setState(bob, alice, 'both');
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('unsubscribe', bob));
    await a.take(isPush(bob, 'from'));
    await b.take(isPresence(alice, 'unsubscribe'));
    await b.take(isPush(alice, 'to'));
    await a.take(isPresence(b.jid, 'unavailable'));
    assert.deepEqual(await roster(a), { [bob]: 'from' });
    assert.deepEqual(await roster(b), { [alice]: 'to' });
  });

  it('cancels a contact\'s subscription: both sides pushed, and the contact gets the user\'s unavailable presence (§3.2)', async () => {
    const [alice, bob] = [await account(), await account()];
    await setState(alice, bob, 'both');
    await setState(bob, alice, 'both');
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    b.send(sub('unsubscribed', alice));
    await b.take(isPush(alice, 'to'));
    await a.take(isPresence(bob, 'unsubscribed'));
    await a.take(isPush(bob, 'from'));
    await a.take(isPresence(b.jid, 'unavailable'));
    // Unsubscribing again changes nothing and is not routed (Appendix A.2: From/To rows).
    b.send(sub('unsubscribed', alice));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await a.drain()).filter((e) => isPresence(bob, 'unsubscribed')(e) || anyPush(e)), []);
  });

  it('removing an item cancels the subscriptions both ways and tells the contact (§2.5.2)', async () => {
    const [alice, bob] = [await account(), await account()];
    await setState(alice, bob, 'both');
    await setState(bob, alice, 'both');
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    const res = await a.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: NS_ROSTER }, xml('item', { jid: bob, subscription: 'remove' }))));
    assert.equal(res.attrs.type, 'result');
    await a.take(isPush(bob, 'remove'));
    await b.take(isPresence(alice, 'unsubscribe'));
    await b.take(isPresence(alice, 'unsubscribed'));
    await b.take(isPresence(a.jid, 'unavailable'));
    await b.take(isPush(alice, 'none'));
    // §3.2.2: the unavailable presence follows the cancellation, never precedes it.
    const order = b.seen.filter((e) => isPresence(alice, 'unsubscribed')(e) || isPresence(a.jid, 'unavailable')(e)).map((e) => e.attrs.type);
    assert.deepEqual(order, ['unsubscribed', 'unavailable']);
    assert.deepEqual(await roster(b), { [alice]: 'none' });
  });
});
