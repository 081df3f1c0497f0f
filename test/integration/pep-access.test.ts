// PEP access models over real sockets (XEP-0060 §4.5, §6.1.3, §6.5.9; XEP-0163 §3): presence
// (contacts with a 'from' or 'both' subscription), roster groups, open, whitelist with members
// named by the owner, outcasts; explicit subscriptions to an open node.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Peer } from '../support/peer.js';
import { errorCondition } from '../support/raw-client.js';
import { eventNode, itemsIq, itemsOf, online, PepWorld, publish, pubsubCondition, PUBSUB, PUBSUB_OWNER } from '../support/pep.js';

const note = (text: string): Element => xml('note', { xmlns: 'urn:example:note' }, text);
const ALICE = 'alice@localhost';

describe('PEP access models (XEP-0060 §4.5, XEP-0163 §3)', () => {
  const world = new PepWorld();
  let alice: Peer;
  const peers: Record<string, Peer> = {};
  const read = (who: string, node: string): Promise<Element> => peers[who]!.iq(itemsIq(ALICE, node));
  const affiliate = (node: string, jid: string, affiliation: string): Promise<Element> =>
    alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_OWNER }, xml('affiliations', { node }, xml('affiliation', { jid, affiliation })))));

  before(async () => {
    await world.start(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
    await world.roster('alice', 'bob', 'from');
    await world.roster('alice', 'dave', 'both', ['Friends']);
    await world.roster('alice', 'erin', 'to');
    alice = await world.login('alice', 'owner');
    for (const u of ['bob', 'carol', 'dave', 'erin']) peers[u] = await world.login(u, 'reader');
    await publish(alice, 'urn:example:presence', '1', note('for contacts'));
    await publish(alice, 'urn:example:open', '1', note('for all'), { 'pubsub#access_model': 'open' });
    await publish(alice, 'urn:example:roster', '1', note('for friends'), { 'pubsub#access_model': 'roster', 'pubsub#roster_groups_allowed': 'Friends' });
    await publish(alice, 'urn:example:private', '1', note('for me'), { 'pubsub#access_model': 'whitelist' });
  });
  after(() => world.stop());

  it('presence: contacts with a from or both subscription read; others get not-authorized, presence-subscription-required (§6.5.9.6)', async () => {
    for (const who of ['bob', 'dave']) assert.equal(itemsOf(await read(who, 'urn:example:presence')).length, 1, who);
    for (const who of ['carol', 'erin']) {
      const res = await read(who, 'urn:example:presence');
      assert.equal(errorCondition(res), 'not-authorized', who);
      assert.equal(res.getChild('error')!.attrs.type, 'auth');
      assert.equal(pubsubCondition(res), 'presence-subscription-required', who);
    }
  });

  it('open: anyone reads (§4.5)', async () => {
    for (const who of ['bob', 'carol', 'erin']) assert.equal(itemsOf(await read(who, 'urn:example:open'))[0]!.getChildText('note'), 'for all', who);
  });

  it('roster: only contacts in an allowed group read; others get not-in-roster-group (§6.5.9.7)', async () => {
    assert.equal(itemsOf(await read('dave', 'urn:example:roster')).length, 1);
    const res = await read('bob', 'urn:example:roster');
    assert.equal(errorCondition(res), 'not-authorized');
    assert.equal(pubsubCondition(res), 'not-in-roster-group');
  });

  it("disco#items on the account lists the nodes each one may read; a node's disco#info is for them only (XEP-0163 §6.2, XEP-0060 §5.2, §5.3)", async () => {
    const nodes = async (who: Peer): Promise<string[]> => {
      const res = await who.iq(xml('iq', { type: 'get', to: ALICE }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
      const items = res.getChild('query')!.getChildren('item');
      for (const i of items) assert.equal(i.attrs.jid, ALICE);
      return items.map((i) => i.attrs.node as string);
    };
    assert.deepEqual(await nodes(alice), ['urn:example:presence', 'urn:example:open', 'urn:example:roster', 'urn:example:private'], 'the owner: all, oldest first');
    assert.deepEqual(await nodes(peers.dave!), ['urn:example:presence', 'urn:example:open', 'urn:example:roster'], 'a contact in the allowed group');
    assert.deepEqual(await nodes(peers.bob!), ['urn:example:presence', 'urn:example:open'], 'a contact');
    for (const who of ['carol', 'erin']) assert.deepEqual(await nodes(peers[who]!), ['urn:example:open'], who);

    const info = (who: Peer, node: string): Promise<Element> =>
      who.iq(xml('iq', { type: 'get', to: ALICE }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info', node })));
    const leaf = await info(peers.carol!, 'urn:example:open');
    assert.equal(leaf.getChild('query')!.attrs.node, 'urn:example:open');
    assert.deepEqual(leaf.getChild('query')!.getChild('identity')!.attrs, { category: 'pubsub', type: 'leaf' });
    assert.ok(leaf.getChild('query')!.getChildren('feature').some((f) => f.attrs.var === PUBSUB));
    assert.equal(errorCondition(await info(peers.carol!, 'urn:example:presence')), 'item-not-found', 'hidden from a stranger');
    assert.equal(errorCondition(await info(alice, 'urn:example:nothing')), 'item-not-found');
    assert.equal((await info(alice, 'urn:example:private')).attrs.type, 'result');
  });

  it('whitelist: the owner only, until the owner makes a contact a member (§6.5.9.8, §8.9)', async () => {
    const before = await read('bob', 'urn:example:private');
    assert.equal(errorCondition(before), 'not-allowed');
    assert.equal(before.getChild('error')!.attrs.type, 'cancel');
    assert.equal(pubsubCondition(before), 'closed-node');
    assert.equal((await affiliate('urn:example:private', 'bob@localhost', 'member')).attrs.type, 'result');
    assert.equal(itemsOf(await read('bob', 'urn:example:private')).length, 1);
    const list = await alice.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: PUBSUB_OWNER }, xml('affiliations', { node: 'urn:example:private' }))));
    const affs = list.getChild('pubsub', PUBSUB_OWNER)!.getChild('affiliations')!.getChildren('affiliation').map((a) => `${a.attrs.jid as string}=${a.attrs.affiliation as string}`);
    assert.deepEqual(affs, ['alice@localhost=owner', 'bob@localhost=member']);
    assert.equal((await affiliate('urn:example:private', 'bob@localhost', 'none')).attrs.type, 'result');
    assert.equal(pubsubCondition(await read('bob', 'urn:example:private')), 'closed-node');
    const publisher = await affiliate('urn:example:private', 'bob@localhost', 'publisher');
    assert.equal(errorCondition(publisher), 'feature-not-implemented');
    assert.equal(errorCondition(await affiliate('urn:example:private', ALICE, 'none')), 'not-acceptable', 'the owner stays owner');
  });

  it('an outcast is forbidden even on an open node (§6.5.9.10)', async () => {
    await affiliate('urn:example:open', 'erin@localhost', 'outcast');
    assert.equal(errorCondition(await read('erin', 'urn:example:open')), 'forbidden');
    await affiliate('urn:example:open', 'erin@localhost', 'none');
    assert.equal(itemsOf(await read('erin', 'urn:example:open')).length, 1);
  });

  it('a stranger subscribes to an open node, gets its last item and then its notifications until unsubscribing (§6.1, §6.2)', async () => {
    const carol = peers.carol!;
    carol.send(xml('presence'));
    const sub = (name: 'subscribe' | 'unsubscribe', jid: string): Element =>
      xml('iq', { type: 'set', to: ALICE }, xml('pubsub', { xmlns: PUBSUB }, xml(name, { node: 'urn:example:open', jid })));
    const wrong = await carol.iq(sub('subscribe', 'bob@localhost'));
    assert.equal(errorCondition(wrong), 'bad-request');
    assert.equal(pubsubCondition(wrong), 'invalid-jid');
    const res = await carol.iq(sub('subscribe', 'carol@localhost'));
    const s = res.getChild('pubsub', PUBSUB)!.getChild('subscription')!;
    assert.equal(s.attrs.subscription, 'subscribed');
    assert.equal(s.attrs.jid, 'carol@localhost');
    const lastItem = await carol.take((e) => eventNode(e) === 'urn:example:open');
    assert.equal(itemsOf(lastItem)[0]!.getChildText('note'), 'for all');
    assert.ok(lastItem.getChild('delay', 'urn:xmpp:delay'), '§6.1.7: stamped as delayed');
    await publish(alice, 'urn:example:open', '2', note('news'));
    const ev = await carol.take((e) => eventNode(e) === 'urn:example:open');
    assert.equal(itemsOf(ev)[0]!.getChildText('note'), 'news');
    assert.equal(ev.attrs.from, ALICE);
    assert.equal((await carol.iq(sub('unsubscribe', 'carol@localhost'))).attrs.type, 'result');
    await publish(alice, 'urn:example:open', '3', note('quiet'));
    const rest = await carol.drain(300);
    assert.equal(rest.filter((e) => eventNode(e) === 'urn:example:open').length, 0);
    const again = await carol.iq(sub('unsubscribe', 'carol@localhost'));
    assert.equal(errorCondition(again), 'unexpected-request');
    assert.equal(pubsubCondition(again), 'not-subscribed');
  });

  it("a subscriber's resource that comes online later gets the last item of the node it subscribed to (XEP-0163 §4.3.4)", async () => {
    const away = await world.login('frank', 'away');
    const subscribed = await away.iq(xml('iq', { type: 'set', to: ALICE }, xml('pubsub', { xmlns: PUBSUB }, xml('subscribe', { node: 'urn:example:open', jid: 'frank@localhost' }))));
    assert.equal(subscribed.attrs.type, 'result', subscribed.toString());
    await publish(alice, 'urn:example:open', 'later', note('while frank was away'));
    const back = await world.login('frank', 'back');
    await online(back, ['urn:example:open+notify']);
    const last = await back.take((e) => eventNode(e) === 'urn:example:open');
    assert.equal(itemsOf(last)[0]!.getChildText('note'), 'while frank was away');
    assert.ok(last.getChild('delay', 'urn:xmpp:delay'), 'stamped as delayed (XEP-0060 §6.1.7)');
  });

  it('one subscriber holds at most max_subscriptions_per_subscriber subscriptions on a node: policy-violation, too-many-subscriptions (§6.1.3.13)', async () => {
    const erin = peers.erin!;
    const sub = (jid: string): Promise<Element> =>
      erin.iq(xml('iq', { type: 'set', to: ALICE }, xml('pubsub', { xmlns: PUBSUB }, xml('subscribe', { node: 'urn:example:open', jid }))));
    for (let i = 0; i < 10; i++) assert.equal((await sub(`erin@localhost/r${i}`)).attrs.type, 'result', `subscription ${i + 1}`);
    const refused = await sub('erin@localhost/r10');
    assert.equal(errorCondition(refused), 'policy-violation');
    assert.equal(pubsubCondition(refused), 'too-many-subscriptions');
    assert.equal((await sub('erin@localhost/r3')).attrs.type, 'result', 'one it holds may be asked for again');
  });

  it('subscribing to a presence node without a presence subscription is refused (§6.1.3.2)', async () => {
    const res = await peers.carol!.iq(xml('iq', { type: 'set', to: ALICE }, xml('pubsub', { xmlns: PUBSUB }, xml('subscribe', { node: 'urn:example:presence', jid: 'carol@localhost' }))));
    assert.equal(errorCondition(res), 'not-authorized');
    assert.equal(pubsubCondition(res), 'presence-subscription-required');
  });
});
