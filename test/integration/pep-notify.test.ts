// PEP notifications over real sockets (XEP-0163 §4, XEP-0060 §9.2): filtered by the '+notify'
// features of each resource's entity capabilities (learnt by disco#info and hash-verified,
// XEP-0115 §5.4), to the owner's resources and contacts with a presence subscription; the last
// item on initial presence and to a new presence subscriber; nothing to a JID the owner blocked.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { capsVer, eventNode, itemsOf, online, PepWorld, publish } from '../support/pep.js';

const TUNE = 'http://jabber.org/protocol/tune';
const MOOD = 'http://jabber.org/protocol/mood';
const tune = (title: string): Element => xml('tune', { xmlns: TUNE }, xml('title', {}, title));
const isTune = (e: Element): boolean => eventNode(e) === TUNE;

describe('PEP notifications (XEP-0163 §4, XEP-0115)', () => {
  const world = new PepWorld();
  const login = (user: string, resource: string) => world.login(user, resource);

  before(async () => {
    await world.start(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'henry', 'ivy', 'jack']);
    for (const c of ['bob', 'dave', 'erin', 'frank', 'henry']) await world.mutual('alice', c);
  });
  after(() => world.stop());

  it('a publication reaches the resources that ask for the node: the owner\'s and subscribed contacts\', not others (§4.3, XEP-0060 §9.2)', async () => {
    const alice = await login('alice', 'balcony');
    const aliceQuiet = await login('alice', 'quiet');
    const bob = await login('bob', 'orchard');
    const dave = await login('dave', 'nomood');
    const carol = await login('carol', 'stranger');
    await online(alice, [`${TUNE}+notify`, 'urn:example:a']);
    await online(aliceQuiet, [TUNE, 'urn:example:b']);
    await online(bob, [TUNE, `${TUNE}+notify`]);
    await online(dave, [`${MOOD}+notify`, 'urn:example:d']);
    await online(carol, [`${TUNE}+notify`, 'urn:example:c']);

    await publish(alice, TUNE, 'song1', tune('Introduction'));
    const toBob = await bob.take(isTune);
    assert.equal(toBob.attrs.type, 'headline');
    assert.equal(toBob.attrs.from, 'alice@localhost', '§4.3.1: from the bare JID');
    assert.equal(toBob.attrs.to, bob.jid, 'to the full JID of the interested resource');
    assert.ok(toBob.attrs.id, 'XEP-0060 §12.3: notifications carry an id');
    assert.equal(itemsOf(toBob)[0]!.attrs.id, 'song1');
    assert.equal(itemsOf(toBob)[0]!.getChild('tune', TUNE)!.getChildText('title'), 'Introduction');
    const replyto = toBob.getChild('addresses', 'http://jabber.org/protocol/address')?.getChild('address');
    assert.equal(replyto?.attrs.type, 'replyto');
    assert.equal(replyto?.attrs.jid, alice.jid, '§4.3.3: the publishing resource, for a contact');
    const toAlice = await alice.take(isTune);
    assert.equal(toAlice.attrs.to, alice.jid);
    assert.equal(toAlice.getChild('addresses', 'http://jabber.org/protocol/address'), undefined);

    for (const p of [aliceQuiet, dave, carol]) {
      const got = (await p.drain(300)).filter(isTune);
      assert.deepEqual(got.map((e) => e.toString()), [], `${p.jid} asked for no tune notifications or may not see them`);
    }
  });

  it('a resource whose caps hash does not match its disco#info gets nothing (XEP-0115 §5.4 step 3.9)', async () => {
    const alice = await login('alice', 'pub2');
    const erin = await login('erin', 'liar');
    const features = [`${TUNE}+notify`, 'urn:example:e'];
    // The announced string is that of another feature set: verification fails.
    await online(erin, features, { ver: capsVer(['urn:example:other']), noReady: true });
    // The server checked the answer before this round trip returns (no storage in between).
    await erin.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    await publish(alice, TUNE, 'song2', tune('Allegro'));
    assert.deepEqual((await erin.drain(300)).filter(isTune).map((e) => e.toString()), []);
  });

  it('the last published item goes to a resource on initial presence, once, stamped (§4.3.4, §6.2)', async () => {
    const alice = await login('alice', 'pub3');
    await publish(alice, TUNE, 'song3', tune('Finale'));
    const frank = await login('frank', 'late');
    const features = [`${TUNE}+notify`, 'urn:example:f'];
    await online(frank, features);
    const last = await frank.take(isTune);
    assert.equal(itemsOf(last)[0]!.attrs.id, 'song3');
    assert.ok(last.getChild('delay', 'urn:xmpp:delay')?.attrs.stamp, 'XEP-0203 stamp');
    // A presence update with the same capabilities is no new initial presence.
    frank.send(xml('presence', {}, xml('show', {}, 'away'), xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://starling.example/test-client', ver: capsVer([...features, 'urn:starling:test:ready+notify']) })));
    assert.deepEqual((await frank.drain(300)).filter(isTune).map((e) => e.toString()), []);
  });

  it('a verified string is cached: a second client with the same caps is not asked again and is served (XEP-0115 §5.4)', async () => {
    const frank = await login('frank', 'twin');
    await online(frank, [`${TUNE}+notify`, 'urn:example:f'], { cached: true });
    const last = await frank.take(isTune);
    assert.equal(last.attrs.to, frank.jid);
    const asked = frank.inbox.filter((e) => e.name === 'iq' && e.attrs.type === 'get');
    assert.deepEqual(asked.map((e) => e.toString()), []);
    assert.ok(await world.ts.server.storage.caps.get('sha-1', capsVer([`${TUNE}+notify`, 'urn:example:f', 'urn:starling:test:ready+notify'])), 'kept in storage');
  });

  it('an answer larger than 16 KiB serves its entity but is not kept for everyone', async () => {
    const frank = await login('frank', 'bulky');
    const bulk = Array.from({ length: 600 }, (_, i) => `urn:example:bulk:feature:${String(i).padStart(4, '0')}`);
    await online(frank, [`${TUNE}+notify`, ...bulk]);
    assert.equal((await frank.take(isTune)).attrs.to, frank.jid, 'its notifications filtered by what it said');
    assert.equal(await world.ts.server.storage.caps.get('sha-1', capsVer([`${TUNE}+notify`, ...bulk, 'urn:starling:test:ready+notify'])), undefined);
  });

  it('a contact who gets a presence subscription gets the last item (§4.3.4 new subscriber)', async () => {
    const alice = await login('alice', 'approver');
    await online(alice, ['urn:example:approver']);
    const grace = await login('grace', 'newcomer');
    await online(grace, [`${TUNE}+notify`, 'urn:example:g']);
    grace.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
    await alice.take((e) => e.name === 'presence' && e.attrs.type === 'subscribe');
    alice.send(xml('presence', { to: 'grace@localhost', type: 'subscribed' }));
    const last = await grace.take(isTune);
    assert.equal(last.attrs.from, 'alice@localhost');
    assert.equal(last.attrs.to, grace.jid);
  });

  it('a new subscriber gets the last item also from an owner whose roster the service had not read yet (§4.3.4)', async () => {
    // ivy's tune was published before this server process knew anything of her.
    const storage = world.ts.server.storage;
    await storage.pubsub.createNode('localhost', 'ivy', TUNE, { access_model: 'presence' }, 100);
    await storage.pubsub.publish('localhost', 'ivy', TUNE, { id: 'old-song', payload: tune('Earlier').toString(), publisher: 'ivy@localhost', published: new Date() }, 10);
    const ivy = await login('ivy', 'plain');
    ivy.send(xml('presence'));
    await ivy.settle();
    const jack = await login('jack', 'listener');
    await online(jack, [`${TUNE}+notify`, 'urn:example:h2']);
    jack.send(xml('presence', { to: 'ivy@localhost', type: 'subscribe' }));
    await ivy.take((e) => e.name === 'presence' && e.attrs.type === 'subscribe');
    ivy.send(xml('presence', { to: 'jack@localhost', type: 'subscribed' }));
    const last = await jack.take((e) => isTune(e) && e.attrs.from === 'ivy@localhost');
    assert.equal(itemsOf(last)[0]?.attrs.id, 'old-song');
  });

  it('nothing goes to a contact the owner blocked (XEP-0163 §4.3.5, XEP-0191)', async () => {
    const alice = await login('alice', 'blocker');
    const henry = await login('henry', 'blocked');
    await online(henry, [`${TUNE}+notify`, 'urn:example:h']);
    await henry.take(isTune); // the last item, before the block
    const block = await alice.iq(xml('iq', { type: 'set' }, xml('block', { xmlns: 'urn:xmpp:blocking' }, xml('item', { jid: 'henry@localhost' }))));
    assert.equal(block.attrs.type, 'result');
    const bob = await login('bob', 'witness');
    await online(bob, [`${TUNE}+notify`, 'urn:example:bob2']);
    await bob.take(isTune);
    await publish(alice, TUNE, 'song4', tune('Coda'));
    await bob.take((e) => isTune(e) && itemsOf(e)[0]?.attrs.id === 'song4');
    assert.deepEqual((await henry.drain(300)).filter(isTune).map((e) => e.toString()), []);
  });

  it('a client announcing ever new capability strings is asked about a few only (the cache cannot be flooded)', async () => {
    const dave = await login('dave', 'flood');
    for (let i = 0; i < 12; i++) {
      dave.send(xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://starling.example/flood', ver: capsVer([`urn:example:flood:${i}`]) })));
    }
    const asked = (await dave.drain(500)).filter((e) => e.name === 'iq' && e.attrs.type === 'get');
    assert.equal(asked.length, 8);
  });

  it('a client that never answers disco#info is left without notifications, and others are not held up', async () => {
    const bob = await login('bob', 'mute');
    bob.send(xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://starling.example/mute', ver: capsVer(['urn:example:mute']) })));
    await bob.take((e) => e.name === 'iq' && e.attrs.type === 'get');
    const dave = await login('dave', 'other');
    await online(dave, [`${TUNE}+notify`, 'urn:example:d2']);
    await dave.take(isTune);
    const alice = await login('alice', 'stage');
    await publish(alice, TUNE, 'song5', tune('Encore'));
    await dave.take((e) => isTune(e) && itemsOf(e)[0]?.attrs.id === 'song5');
    assert.deepEqual((await bob.drain(300)).filter(isTune).map((e) => e.toString()), [], 'nothing for the client whose features are unknown');
  });
});
