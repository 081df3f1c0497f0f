// Bookmarks over real sockets: XEP-0402 in PEP, unified with XEP-0048 bookmarks kept through
// private XML storage (XEP-0049, XEP-0402 §6.3 "#compat") and in the legacy 'storage:bookmarks'
// PEP node (XEP-0411, "#compat-pep"): written one way, read the other.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Peer } from '../support/peer.js';
import { errorCondition } from '../support/raw-client.js';
import { eventNode, itemsIq, itemsOf, online, PepWorld, publish, pubsubCondition, PUBSUB, PUBSUB_EVENT, PUBSUB_OWNER } from '../support/pep.js';

const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const LEGACY = 'storage:bookmarks';
const PRIVATE = 'jabber:iq:private';
/** XEP-0402 §3.2. */
const OPTIONS = { 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' };

const legacyConference = (jid: string, name: string, extra: Record<string, string> = {}, ...children: Element[]): Element =>
  xml('conference', { jid, name, ...extra }, ...children);
const privateSet = (...conferences: Element[]): Element =>
  xml('iq', { type: 'set' }, xml('query', { xmlns: PRIVATE }, xml('storage', { xmlns: LEGACY }, ...conferences)));
const privateGet = (): Element => xml('iq', { type: 'get' }, xml('query', { xmlns: PRIVATE }, xml('storage', { xmlns: LEGACY })));
const storedConferences = (res: Element): Element[] => res.getChild('query', PRIVATE)!.getChild('storage', LEGACY)!.getChildren('conference');
const byId = (items: Element[]): Map<string, Element> => new Map(items.map((i) => [i.attrs.id as string, i.getChild('conference', BOOKMARKS)!]));

describe('bookmarks (XEP-0402 with XEP-0048/XEP-0049 and XEP-0411 compatibility)', () => {
  const world = new PepWorld();
  let alice: Peer;

  before(async () => {
    await world.start(['alice', 'bob', 'carol', 'dave']);
    for (const u of ['alice', 'carol', 'dave']) await world.mutual(u, 'bob');
    alice = await world.login('alice', 'legacy');
  });
  after(() => world.stop());

  it('the account announces the unification (XEP-0402 §6.3, §7; XEP-0411)', async () => {
    const res = await alice.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = res.getChild('query')!.getChildren('feature').map((f) => f.attrs.var as string);
    for (const f of [`${BOOKMARKS}#compat`, `${BOOKMARKS}#compat-pep`, 'urn:xmpp:bookmarks-conversion:0']) assert.ok(features.includes(f), f);
  });

  it('bookmarks written with XEP-0049 are read with XEP-0402: one private item per room (§6.3)', async () => {
    const set = await alice.iq(privateSet(
      legacyConference('council@conference.example.org', 'Council of Oberon', { autojoin: 'true' }, xml('nick', {}, 'Puck'), xml('password', {}, 'secret')),
      legacyConference('orchard@conference.example.org', 'The Orchard'),
      xml('url', { name: 'Home', url: 'https://example.org/' })));
    assert.equal(set.attrs.type, 'result');
    const items = byId(itemsOf(await alice.iq(itemsIq(undefined, BOOKMARKS))));
    assert.deepEqual([...items.keys()].sort(), ['council@conference.example.org', 'orchard@conference.example.org']);
    const council = items.get('council@conference.example.org')!;
    assert.equal(council.attrs.name, 'Council of Oberon');
    assert.equal(council.attrs.autojoin, 'true');
    assert.equal(council.getChildText('nick'), 'Puck');
    assert.equal(council.getChildText('password'), 'secret');
    assert.equal(council.attrs.jid, undefined, '§5.1: the JID is the item id only');
    assert.ok(items.get('orchard@conference.example.org')!.attrs.autojoin !== 'true');
    const config = await alice.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: PUBSUB_OWNER }, xml('configure', { node: BOOKMARKS }))));
    const access = config.getChild('pubsub', PUBSUB_OWNER)!.getChild('configure')!.getChild('x')!.getChildren('field').find((f) => f.attrs.var === 'pubsub#access_model');
    assert.equal(access!.getChildText('value'), 'whitelist', 'XEP-0223: private');
  });

  it('a bookmark added with XEP-0402 (publish-options met) is read back with XEP-0049, URL bookmarks kept (§3.2, §6.3.1)', async () => {
    const pep = await world.login('alice', 'modern');
    await publish(pep, BOOKMARKS, 'theplay@conference.example.org',
      xml('conference', { xmlns: BOOKMARKS, name: "The Play's the Thing", autojoin: 'true' }, xml('nick', {}, 'JC'), xml('extensions', {}, xml('state', { xmlns: 'urn:example:client', minimized: 'true' }))),
      OPTIONS);
    const res = await alice.iq(privateGet());
    const confs = storedConferences(res);
    const play = confs.find((c) => c.attrs.jid === 'theplay@conference.example.org');
    assert.ok(play, res.toString());
    assert.equal(play.attrs.name, "The Play's the Thing");
    assert.equal(play.attrs.autojoin, 'true');
    assert.equal(play.getChildText('nick'), 'JC');
    assert.equal(confs.length, 3);
    const url = res.getChild('query', PRIVATE)!.getChild('storage', LEGACY)!.getChild('url');
    assert.equal(url?.attrs.url, 'https://example.org/');
  });

  it('a XEP-0049 replacement list updates only what changed and keeps XEP-0402 extensions; clients are notified (§6.3.2)', async () => {
    const watcher = await world.login('alice', 'watcher');
    await online(watcher, [`${BOOKMARKS}+notify`, 'urn:example:watcher']);
    const res = await alice.iq(privateGet());
    const keep = storedConferences(res).filter((c) => c.attrs.jid !== 'orchard@conference.example.org');
    assert.equal((await alice.iq(privateSet(...keep))).attrs.type, 'result');
    const ev = await watcher.take((e) => eventNode(e) === BOOKMARKS);
    const retracts = ev.getChild('event', PUBSUB_EVENT)!.getChild('items')!.getChildren('retract').map((r) => r.attrs.id);
    assert.deepEqual(retracts, ['orchard@conference.example.org']);
    assert.equal(itemsOf(ev).length, 0, 'unchanged bookmarks are not published again');
    const items = byId(itemsOf(await alice.iq(itemsIq(undefined, BOOKMARKS))));
    assert.deepEqual([...items.keys()].sort(), ['council@conference.example.org', 'theplay@conference.example.org']);
    assert.equal(items.get('theplay@conference.example.org')!.getChild('extensions')!.getChild('state', 'urn:example:client')!.attrs.minimized, 'true');
  });

  it('the XEP-0048 PEP node is a view: one item "current" to read, a <storage/> to write (XEP-0411, §6.3 compat-pep)', async () => {
    const res = await alice.iq(itemsIq(undefined, LEGACY));
    const current = itemsOf(res);
    assert.equal(current.length, 1);
    assert.equal(current[0]!.attrs.id, 'current');
    const jids = current[0]!.getChild('storage', LEGACY)!.getChildren('conference').map((c) => c.attrs.jid).sort();
    assert.deepEqual(jids, ['council@conference.example.org', 'theplay@conference.example.org']);
    await publish(alice, LEGACY, 'current', xml('storage', { xmlns: LEGACY },
      legacyConference('council@conference.example.org', 'Council of Oberon', { autojoin: 'true' }, xml('nick', {}, 'Puck'), xml('password', {}, 'secret')),
      legacyConference('newroom@conference.example.org', 'New')), { 'pubsub#persist_items': 'true', 'pubsub#access_model': 'whitelist' });
    const items = byId(itemsOf(await alice.iq(itemsIq(undefined, BOOKMARKS))));
    assert.deepEqual([...items.keys()].sort(), ['council@conference.example.org', 'newroom@conference.example.org']);
  });

  /** Creates `node` as a client might without options, keeping one item and open to contacts. */
  const createOpen = async (owner: Peer, node: string): Promise<void> => {
    const form = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${PUBSUB}#node_config`)),
      xml('field', { var: 'pubsub#max_items' }, xml('value', {}, '1')));
    const res = await owner.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('create', { node }), xml('configure', {}, form))));
    assert.equal(res.attrs.type, 'result', res.toString());
  };
  const twoRooms = (): Element[] => [
    legacyConference('vault@conference.example.org', 'Vault', {}, xml('password', {}, 'hunter2')),
    legacyConference('hall@conference.example.org', 'Hall'),
  ];
  const contactReads = async (owner: string): Promise<string | undefined> =>
    errorCondition(await (await world.login('bob', `reads-${owner}`)).iq(itemsIq(`${owner}@localhost`, BOOKMARKS)));

  it('a XEP-0049 write into a bookmarks node made open to contacts makes it private first, and keeps every bookmark (XEP-0223 §2, XEP-0402 §3.2)', async () => {
    const carol = await world.login('carol', 'legacy');
    await createOpen(carol, BOOKMARKS);
    assert.equal((await carol.iq(privateSet(...twoRooms()))).attrs.type, 'result');
    assert.equal(await contactReads('carol'), 'not-allowed', 'a contact cannot read them');
    assert.deepEqual([...byId(itemsOf(await carol.iq(itemsIq(undefined, BOOKMARKS)))).keys()].sort(), ['hall@conference.example.org', 'vault@conference.example.org']);
  });

  it('so does a publication to the XEP-0048 node, even one created under that name (XEP-0411)', async () => {
    const dave = await world.login('dave', 'legacy');
    await createOpen(dave, LEGACY);
    await publish(dave, LEGACY, 'current', xml('storage', { xmlns: LEGACY }, ...twoRooms()));
    assert.equal(await contactReads('dave'), 'not-allowed', 'a contact cannot read them');
    const jids = itemsOf(await dave.iq(itemsIq(undefined, LEGACY)))[0]!.getChild('storage', LEGACY)!.getChildren('conference').map((c) => c.attrs.jid).sort();
    assert.deepEqual(jids, ['hall@conference.example.org', 'vault@conference.example.org']);
  });

  it('bookmarks stay private: a contact can neither read them nor hears of changes (XEP-0223 §2)', async () => {
    const bob = await world.login('bob', 'snoop');
    await online(bob, [`${BOOKMARKS}+notify`, `${LEGACY}+notify`, 'urn:example:snoop']);
    const res = await bob.iq(itemsIq('alice@localhost', BOOKMARKS));
    assert.equal(errorCondition(res), 'not-allowed');
    assert.equal(pubsubCondition(res), 'closed-node');
    assert.equal(errorCondition(await bob.iq(itemsIq('alice@localhost', LEGACY))), 'not-allowed');
    await alice.iq(privateSet(legacyConference('secret@conference.example.org', 'Secret')));
    const leaked = (await bob.drain(300)).filter((e) => eventNode(e) === BOOKMARKS || eventNode(e) === LEGACY);
    assert.deepEqual(leaked.map((e) => e.toString()), []);
  });
});
