// Presence probes over real sockets (RFC 6121 §4.3): sent at initial presence and answered for
// to/both contacts only, answered with unavailable when offline, never delivered to a client,
// refused to non-subscribers, and routed to another local host. Subscriptions are set straight
// in storage, as in presence.test.ts.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { available, isPresence, presenceSuite, status } from '../support/presence.js';
import type { TestServer } from '../support/server.js';

describe('presence (RFC 6121 §4): probes', () => {
  const suite = presenceSuite();
  const { setup, online } = suite;
  let ts: TestServer;
  before(() => {
    ts = suite.ts;
  });

  it('answers probes at initial presence with each available resource\'s presence of to/both contacts only (§4.3)', async () => {
    const u = await setup();
    const dave1 = await online(u('dave'), 'one', available([status('d1')]));
    const dave2 = await online(u('dave'), 'two', available([xml('show', {}, 'away')]));
    const daveIdle = await online(u('dave'), 'idle');
    const bob = await online(u('bob'), 'b', available([status('bob here')]));
    const carol = await online(u('carol'), 'c', available());
    const erin = await online(u('erin'), 'e', available());
    const alice = await online(u('alice'), 'home', available());
    const one = await alice.until(isPresence(dave1.jid));
    assert.equal(one.attrs.to, alice.jid);
    assert.equal(one.getChildText('status'), 'd1');
    assert.equal((await alice.until(isPresence(dave2.jid))).getChildText('show'), 'away');
    assert.equal((await alice.until(isPresence(bob.jid))).getChildText('status'), 'bob here');
    await alice.settle();
    for (const p of [carol, erin, daveIdle]) assert.deepEqual(alice.presences(p.jid), [], `no presence of ${p.jid}`);
    // Probes are answered by the server and never reach a client (§4.3.2).
    for (const p of [dave1, dave2, daveIdle, bob, carol, erin]) {
      await p.settle(50);
      assert.ok(!p.seen.some((e) => e.attrs.type === 'probe'), `${p.jid} saw a probe`);
    }
  });

  it('answers a subscriber\'s probe with current presence, or unavailable when offline; never delivers it (§4.3.2)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const alice = await online(u('alice'), 'home', available([status('hello')]));
    await bob.until(isPresence(alice.jid));
    bob.seen.length = 0;
    bob.send(xml('presence', { to: alice.bare, type: 'probe' }));
    const answer = await bob.until(isPresence(alice.jid));
    assert.equal(answer.attrs.to, bob.jid);
    assert.equal(answer.getChildText('status'), 'hello');
    // A probe to a full JID is answered the same way.
    bob.seen.length = 0;
    bob.send(xml('presence', { to: alice.jid, type: 'probe' }));
    await bob.until(isPresence(alice.jid));
    await alice.settle(100);
    assert.ok(!alice.seen.some((e) => e.attrs.type === 'probe'), 'the probe reached the client');
    alice.client.destroy();
    await bob.until(isPresence(alice.jid, 'unavailable'));
    bob.send(xml('presence', { to: alice.bare, type: 'probe' }));
    const offline = await bob.until(isPresence(alice.bare, 'unavailable'));
    assert.equal(offline.attrs.to, bob.jid);
  });

  it('reveals no presence to a probe from a non-subscriber (§4.3.2 step 1)', async () => {
    const u = await setup();
    const erin = await online(u('erin'), 'e', available());
    const mallory = await online(u('mallory'), 'm', available());
    const alice = await online(u('alice'), 'home', available());
    for (const p of [erin, mallory]) {
      p.send(xml('presence', { to: alice.bare, type: 'probe' }));
      p.send(xml('presence', { to: alice.jid, type: 'probe' }));
    }
    for (const p of [erin, mallory]) {
      await p.settle();
      const leaked = p.seen.filter((e) => e.name === 'presence' && (e.attrs.from === alice.jid || (e.attrs.from === alice.bare && e.attrs.type !== 'unsubscribed')));
      assert.deepEqual(leaked, [], `${p.jid} learnt alice's presence`);
    }
    await alice.settle(50);
    assert.ok(!alice.seen.some((e) => e.attrs.type === 'probe'));
  });

  it('broadcasts to and probes a contact on another local host through the router (§4.2.2, §4.3.1)', async () => {
    const u = await setup();
    const aliceLocal = u('alice').split('@')[0]!;
    const zoeLocal = u('zoe').split('@')[0]!;
    const zoeBare = `${zoeLocal}@example.test`;
    await ts.addUser(zoeBare, 'pw');
    const item = (jid: string) => ({ jid, subscription: 'both' as const, ask: false, approved: false, groups: [] });
    await ts.server.storage.roster.setItem('localhost', aliceLocal, item(zoeBare));
    await ts.server.storage.roster.setItem('example.test', zoeLocal, item(u('alice')));
    const zoe = await online(zoeBare, 'z', available([status('elsewhere')]));
    const alice = await online(u('alice'), 'home', available());
    const fromZoe = await alice.until(isPresence(zoe.jid));
    // The probe went from alice's bare JID, so the answer comes to it (§4.3.2).
    assert.equal(fromZoe.attrs.to, alice.bare);
    assert.equal(fromZoe.getChildText('status'), 'elsewhere');
    assert.equal((await zoe.until(isPresence(alice.jid))).attrs.to, zoe.bare);
    await zoe.settle(100);
    assert.ok(!zoe.seen.some((e) => e.attrs.type === 'probe'));
  });

  it('probes again on initial presence after unavailable (§4.2.1)', async () => {
    const u = await setup();
    const dave = await online(u('dave'), 'd', available());
    const alice = await online(u('alice'), 'home', available());
    await alice.until(isPresence(dave.jid));
    alice.send(xml('presence', { type: 'unavailable' }));
    alice.send(available());
    await alice.until((e) => isPresence(dave.jid)(e) && e !== alice.presences(dave.jid)[0]);
    assert.equal(alice.presences(dave.jid).length, 2);
  });
});
