// Directed presence over real sockets (RFC 6121 §4.6): targets forgotten after directed
// unavailable and told when the session ends, even one that never went available; presence to an
// account without available resources dropped silently, and presence errors delivered to the
// resource addressed (§8.5). Subscriptions are set straight in storage, as in presence.test.ts.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { available, isPresence, presenceSuite } from '../support/presence.js';

describe('presence (RFC 6121 §4): directed presence and delivery', () => {
  const { setup, online } = presenceSuite();

  it('forgets a directed-presence target after directed unavailable (§4.6.3)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const mallory = await online(u('mallory'), 'm', available());
    const alice = await online(u('alice'), 'home', available());
    alice.send(xml('presence', { to: mallory.bare }));
    alice.send(xml('presence', { to: mallory.bare, type: 'unavailable' }));
    await mallory.until(isPresence(alice.jid, 'unavailable'));
    alice.client.destroy();
    await bob.until(isPresence(alice.jid, 'unavailable'));
    await mallory.settle();
    assert.equal(mallory.presences(alice.jid, 'unavailable').length, 1);
  });

  it('tells entities that got directed presence from a session that never went available when it ends (§4.6, RFC 3921 §5.1.4)', async () => {
    const u = await setup();
    const mallory = await online(u('mallory'), 'm', available());
    const bob = await online(u('bob'), 'b', available());
    const carol = await online(u('carol'), 'c', available());
    const alice = await online(u('alice'), 'bot');
    // Directed presence only, as a bot joining a chat room does: to a stranger and to a subscriber.
    alice.send(xml('presence', { to: mallory.jid }));
    alice.send(xml('presence', { to: bob.bare }));
    await mallory.until(isPresence(alice.jid));
    await bob.until(isPresence(alice.jid));
    alice.client.destroy();
    await mallory.until(isPresence(alice.jid, 'unavailable'));
    await bob.until(isPresence(alice.jid, 'unavailable'));
    // A subscriber that got nothing from this session hears nothing of its end.
    await carol.settle();
    assert.deepEqual(carol.presences(alice.jid, 'unavailable'), []);
  });

  it('drops presence to an account without available resources, existing or not, silently (§8.5.2.2.1, §8.5.1)', async () => {
    const u = await setup();
    const erinIdle = await online(u('erin'), 'idle');
    const alice = await online(u('alice'), 'home', available());
    alice.send(xml('presence', { to: u('erin'), id: 'to-offline' }));
    alice.send(xml('presence', { to: u('nobody'), id: 'to-nobody' }));
    alice.send(xml('presence', { to: u('erin'), type: 'unavailable', id: 'to-offline-2' }));
    await alice.settle();
    assert.ok(!alice.seen.some((e) => typeof e.attrs.id === 'string' && e.attrs.id.startsWith('to-')), 'no error came back');
    await erinIdle.settle(50);
    assert.ok(!erinIdle.seen.some((e) => e.name === 'presence'), 'a resource without initial presence gets none');
  });

  it('delivers a presence error to the resource it is addressed to (§8.5.3.1)', async () => {
    const u = await setup();
    const mallory = await online(u('mallory'), 'm', available());
    const alice = await online(u('alice'), 'home', available());
    mallory.send(xml('presence', { to: alice.jid, type: 'error', id: 'perr' }, xml('error', { type: 'cancel' }, xml('remote-server-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))));
    const err = await alice.until((e) => e.attrs.id === 'perr');
    assert.equal(err.attrs.type, 'error');
    assert.equal(err.attrs.from, mallory.jid);
  });
});
