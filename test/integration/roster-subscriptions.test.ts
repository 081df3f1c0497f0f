// Presence subscriptions over real sockets (RFC 6121 §3): request, approval, mutual
// subscription, pre-approval and its cancelling, roster pushes at each step, requests kept for an
// offline account, and requests to unknown, remote and own JIDs. Denying, unsubscribing,
// cancelling and a roster remove (§2.5.2) are in roster-unsubscribe.test.ts.
// Default modules (presence included), default SQLite storage; fresh accounts per test.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { isPresence } from '../support/presence.js';
import { errorCondition } from '../support/raw-client.js';
import { anyPush, isPush } from '../support/roster-push.js';
import { OTHER, sub, subscriptionSuite } from '../support/roster-subscriptions.js';

describe('presence subscriptions (RFC 6121 §3): requests and approval', () => {
  const suite = subscriptionSuite();
  const { account, connect, roster } = suite;

  it('runs the mutual subscription flow with pushes at each step (§3.1.1-§3.1.6)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a1 = await connect(alice, 'one');
    const a2 = await connect(alice, 'two');
    const b1 = await connect(bob, 'laptop');

    // §3.1.2: the request leaves from alice's bare JID, after a push with ask='subscribe'.
    a1.send(sub('subscribe', bob, 'req1'));
    for (const p of [a1, a2]) await p.take(isPush(bob, 'none+subscribe'));
    const req = await b1.take(isPresence(alice, 'subscribe'));
    assert.equal(req.attrs.to, bob);
    assert.equal(req.attrs.id, 'req1');
    assert.deepEqual(await roster(b1), {}, 'a request alone puts nobody on the contact\'s roster');

    // §3.1.5, §3.1.6: bob approves; both sides get pushes; alice gets 'subscribed' and bob's presence.
    b1.send(sub('subscribed', alice));
    await b1.take(isPush(alice, 'from'));
    for (const p of [a1, a2]) {
      await p.take(isPresence(bob, 'subscribed'));
      await p.take(isPush(bob, 'to'));
      await p.take(isPresence(b1.jid));
    }

    // bob subscribes back; alice approves; both end with 'both'.
    b1.send(sub('subscribe', alice));
    await b1.take(isPush(alice, 'from+subscribe'));
    await a1.take(isPresence(bob, 'subscribe'));
    await a2.take(isPresence(bob, 'subscribe'));
    a2.send(sub('subscribed', bob));
    for (const p of [a1, a2]) await p.take(isPush(bob, 'both'));
    await b1.take(isPresence(alice, 'subscribed'));
    await b1.take(isPush(alice, 'both'));
    await b1.take(isPresence(a1.jid));
    await b1.take(isPresence(a2.jid));

    assert.deepEqual(await roster(a1), { [bob]: 'both' });
    assert.deepEqual(await roster(b1), { [alice]: 'both' });
  });

  it('subscribes across two virtual hosts of the server, each side handled by its own host (§3.1)', async () => {
    const [alice, bob] = [await account(), await account(OTHER)];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', bob));
    await a.take(isPush(bob, 'none+subscribe'));
    await b.take(isPresence(alice, 'subscribe'));
    b.send(sub('subscribed', alice));
    await b.take(isPush(alice, 'from'));
    await a.take(isPresence(bob, 'subscribed'));
    await a.take(isPush(bob, 'to'));
    await a.take(isPresence(b.jid));
    assert.deepEqual(await roster(a), { [bob]: 'to' });
    assert.deepEqual(await roster(b), { [alice]: 'from' });
  });

  it('treats a subscription request to a full JID as one to the bare JID (§3.1.1)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', `${bob}/laptop`));
    await a.take(isPush(bob, 'none+subscribe'));
    const req = await b.take(isPresence(alice, 'subscribe'));
    assert.equal(req.attrs.to, bob);
  });

  it('pushes only to interested resources, and delivers requests only to available ones (§2.2)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const quiet = await connect(alice, 'quiet', { roster: false });
    const b = await connect(bob, 'laptop');
    const hidden = await connect(bob, 'hidden', { available: false });
    a.send(sub('subscribe', bob));
    await a.take(isPush(bob, 'none+subscribe'));
    await b.take(isPresence(alice, 'subscribe'));
    assert.deepEqual((await quiet.drain()).filter(anyPush), []);
    assert.deepEqual((await hidden.drain()).filter(isPresence(alice, 'subscribe')), []);
  });

  it('keeps a request for an offline contact and redelivers it at each login until answered (§3.1.3)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    a.send(xml('presence', { type: 'subscribe', to: bob, id: 'kept' }, xml('status', {}, 'It is Alice <3')));
    await a.take(isPush(bob, 'none+subscribe'));
    await new Promise((r) => setTimeout(r, 100));

    const b1 = await connect(bob, 'first', { roster: false, available: false });
    assert.deepEqual((await b1.drain(200)).filter(isPresence(alice, 'subscribe')), [], 'not before initial presence');
    b1.send(xml('presence'));
    const kept = await b1.take(isPresence(alice, 'subscribe'));
    assert.deepEqual([kept.attrs.to, kept.attrs.id, kept.getChildText('status')], [bob, 'kept', 'It is Alice <3']);
    b1.client.destroy();

    const b2 = await connect(bob, 'second');
    await b2.take(isPresence(alice, 'subscribe'));
    b2.send(sub('subscribed', alice));
    await a.take(isPush(bob, 'to'));
    b2.client.destroy();

    const b3 = await connect(bob, 'third');
    assert.deepEqual((await b3.drain()).filter(isPresence(alice, 'subscribe')), [], 'answered requests are not redelivered');
  });

  it('keeps a request larger than 4 KiB as the bare request: the account does not hold the stranger\'s bulk (§3.1.3)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    a.send(xml('presence', { type: 'subscribe', to: bob, id: 'big' }, xml('status', {}, 'x'.repeat(10_000))));
    await a.take(isPush(bob, 'none+subscribe'));
    const pending = async (): Promise<{ stanza: string }[]> => suite.ts.server.storage.roster.listPendingIn('localhost', bob.split('@')[0]!);
    for (let i = 0; i < 100 && (await pending()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const [stored] = await pending();
    assert.ok(stored, 'the request is kept');
    assert.ok(stored.stanza.length < 4096, stored.stanza.slice(0, 200));
    const b = await connect(bob, 'later');
    const kept = await b.take(isPresence(alice, 'subscribe'));
    assert.equal(kept.getChild('status'), undefined, 'redelivered without the status');
  });

  it('does not deliver a second request while one is pending, nor one from a contact already subscribed, which is approved at once (§3.1.3)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', bob));
    await a.take(isPush(bob, 'none+subscribe'));
    await b.take(isPresence(alice, 'subscribe'));
    a.send(sub('subscribe', bob));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await b.drain()).filter(isPresence(alice, 'subscribe')), []);

    b.send(sub('subscribed', alice));
    await a.take(isPush(bob, 'to'));
    await a.take(isPresence(bob, 'subscribed'));
    await a.take(isPresence(b.jid));
    // alice asks again (her client lost track): the request is routed (Appendix A.2, "To"),
    // bob's server answers for him with 'subscribed' and his presence. Alice's server, which
    // knows she is subscribed already, drops the 'subscribed' (Appendix A.3, "To").
    a.send(sub('subscribe', bob));
    await a.take(isPresence(b.jid));
    assert.deepEqual((await b.drain()).filter(isPresence(alice, 'subscribe')), []);
    assert.deepEqual((await a.drain()).filter((e) => isPresence(bob, 'subscribed')(e) || anyPush(e)), []);
  });

  it('pre-approves: the later request is approved at once, never delivered (§3.4)', async () => {
    const [carol, dave] = [await account(), await account()];
    const c = await connect(carol, 'one');
    const d = await connect(dave, 'one');
    c.send(sub('subscribed', dave));
    const pre = await c.take(isPush(dave));
    assert.equal(pre.getChild('query')!.getChild('item')!.attrs.approved, 'true');
    assert.deepEqual((await d.drain()).filter(isPresence(carol, 'subscribed')), [], 'a pre-approval is not routed');

    d.send(sub('subscribe', carol));
    await d.take(isPresence(c.jid));
    // §3.1.5 and RFC 6120 §10.1: the approval, and its push, come before carol's presence.
    const before = d.inbox.splice(0);
    for (const step of [isPush(carol, 'none+subscribe'), isPresence(carol, 'subscribed'), isPush(carol, 'to')]) {
      assert.ok(before.some(step), `before carol's presence: ${before.map((e) => e.toString()).join(' ')}`);
    }
    const after = await c.take(isPush(dave, 'from'));
    assert.equal(after.getChild('query')!.getChild('item')!.attrs.approved, undefined);
    assert.deepEqual((await c.drain()).filter(isPresence(dave, 'subscribe')), []);
    assert.deepEqual(await roster(c), { [dave]: 'from' });
  });

  it('cancels a pre-approval with unsubscribed, routing nothing (§3.4)', async () => {
    const [carol, dave] = [await account(), await account()];
    const c = await connect(carol, 'one');
    const d = await connect(dave, 'one');
    c.send(sub('subscribed', dave));
    await c.take(isPush(dave));
    c.send(sub('unsubscribed', dave));
    const push = await c.take(isPush(dave, 'none'));
    assert.equal(push.getChild('query')!.getChild('item')!.attrs.approved, undefined);
    d.send(sub('subscribe', carol));
    await c.take(isPresence(dave, 'subscribe'));
    assert.deepEqual((await d.drain()).filter((e) => e.name === 'presence' && e.attrs.from === carol), []);
  });

  it('answers a request to an account that does not exist with unsubscribed (§8.5.1)', async () => {
    const alice = await account();
    const a = await connect(alice, 'one');
    a.send(sub('subscribe', 'nobody@localhost'));
    await a.take(isPush('nobody@localhost', 'none+subscribe'));
    await a.take(isPresence('nobody@localhost', 'unsubscribed'));
    await a.take(isPush('nobody@localhost', 'none'));
  });

  it('routes a request to a remote contact the same way, and the bounce comes back to the user (§3.1.2)', async () => {
    const alice = await account();
    const a = await connect(alice, 'one');
    a.send(sub('subscribe', 'romeo@example.net', 'remote1'));
    await a.take(isPush('romeo@example.net', 'none+subscribe'));
    const err = await a.take((e) => e.attrs.id === 'remote1');
    assert.equal(errorCondition(err), 'remote-server-not-found');
  });

  it('ignores subscription stanzas to the user\'s own JID', async () => {
    const alice = await account();
    const a = await connect(alice, 'one');
    a.send(sub('subscribe', alice));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await a.drain()).filter((e) => anyPush(e) || isPresence(alice, 'subscribe')(e)), []);
    assert.deepEqual(await roster(a), {});
  });
});
