// Presence over real sockets (RFC 6121 §4): initial presence broadcast to subscribers and own
// resources, subsequent presence, and unavailable on logout and on disconnect. Probes are in
// presence-probes.test.ts, directed presence in presence-directed.test.ts. Subscriptions are set
// straight in storage, so these tests do not depend on the roster module's subscription flow.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { available, isPresence, presenceSuite, status } from '../support/presence.js';

describe('presence (RFC 6121 §4): broadcasts and unavailable', () => {
  const { setup, online } = presenceSuite();

  it('broadcasts initial presence to from/both contacts\' available resources only, negative priority included (§4.2.2, §4.2.3)', async () => {
    const u = await setup();
    const bobA = await online(u('bob'), 'a', available());
    const bobB = await online(u('bob'), 'b', available([xml('priority', {}, '-1')]));
    const bobIdle = await online(u('bob'), 'idle');
    const carol = await online(u('carol'), 'c', available());
    const dave = await online(u('dave'), 'd', available());
    const erin = await online(u('erin'), 'e', available());
    const alice = await online(u('alice'), 'home', available([status('here')]));
    for (const p of [bobA, bobB, carol]) {
      const got = await p.until(isPresence(alice.jid));
      assert.equal(got.attrs.to, p.bare);
      assert.equal(got.getChildText('status'), 'here');
    }
    for (const p of [bobIdle, dave, erin]) {
      await p.settle();
      assert.deepEqual(p.presences(alice.jid), [], `${p.jid} must not get alice's presence`);
    }
  });

  it('echoes initial presence to the sender and exchanges presence with the user\'s other resources (§4.2.2)', async () => {
    const u = await setup();
    const work = await online(u('alice'), 'work', available([status('at work'), xml('priority', {}, '-5')]));
    const home = await online(u('alice'), 'home', available([status('at home')]));
    const echo = home.presences(home.jid)[0]!;
    assert.equal(echo.attrs.to, home.jid);
    assert.equal(echo.getChildText('status'), 'at home');
    const fromWork = await home.until(isPresence(work.jid));
    assert.equal(fromWork.attrs.to, home.jid);
    assert.equal(fromWork.getChildText('status'), 'at work');
    const atWork = await work.until(isPresence(home.jid));
    assert.equal(atWork.attrs.to, work.jid);
    assert.equal(atWork.getChildText('status'), 'at home');
  });

  it('broadcasts subsequent presence to subscribers and own resources, without probing again (§4.4)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const dave = await online(u('dave'), 'd', available());
    const alice = await online(u('alice'), 'home', available());
    await alice.until(isPresence(bob.jid));
    await alice.until(isPresence(dave.jid));
    await bob.until(isPresence(alice.jid));
    alice.send(available([xml('show', {}, 'dnd'), status('busy')]));
    const update = await bob.until((e) => isPresence(alice.jid)(e) && e.getChildText('show') === 'dnd');
    assert.equal(update.getChildText('status'), 'busy');
    await alice.until((e) => isPresence(alice.jid)(e) && e.getChildText('show') === 'dnd');
    await alice.settle();
    assert.equal(alice.presences(bob.jid).length, 1, 'bob\'s presence was not sent again');
    assert.equal(alice.presences(dave.jid).length, 1, 'dave was not probed again');
    await dave.settle(50);
    assert.deepEqual(dave.presences(alice.jid), []);
  });

  it('broadcasts explicit unavailable presence with its status to subscribers, own resources and directed-presence targets (§4.5, §4.6.3)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const carol = await online(u('carol'), 'c', available());
    const erin = await online(u('erin'), 'e', available());
    const mallory = await online(u('mallory'), 'm', available());
    const work = await online(u('alice'), 'work', available());
    const home = await online(u('alice'), 'home', available());
    home.send(xml('presence', { to: mallory.jid }, status('psst')));
    assert.equal((await mallory.until(isPresence(home.jid))).getChildText('status'), 'psst');
    home.send(xml('presence', { type: 'unavailable' }, status('gone')));
    for (const p of [bob, carol, work, mallory]) {
      const got = await p.until(isPresence(home.jid, 'unavailable'));
      assert.equal(got.getChildText('status'), 'gone', `status for ${p.jid}`);
    }
    await erin.settle();
    assert.deepEqual(erin.presences(home.jid, 'unavailable'), []);
  });

  it('broadcasts unavailable when an available session disconnects, once per entity (§4.5.2, §4.6.3)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const mallory = await online(u('mallory'), 'm', available());
    const work = await online(u('alice'), 'work', available());
    const home = await online(u('alice'), 'home', available());
    // Directed presence to a stranger's full JID and to a contact that the broadcast covers.
    home.send(xml('presence', { to: mallory.jid }));
    home.send(xml('presence', { to: bob.bare }));
    await mallory.until(isPresence(home.jid));
    home.client.destroy();
    for (const p of [bob, mallory, work]) {
      const got = await p.until(isPresence(home.jid, 'unavailable'));
      assert.equal(got.attrs.from, home.jid);
    }
    await bob.settle();
    assert.equal(bob.presences(home.jid, 'unavailable').length, 1);
  });
});
