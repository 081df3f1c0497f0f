// PEP (XEP-0163 on XEP-0060) over real sockets: discovery, publish with auto-create,
// retrieval, retract, owner-only publishing, node configuration, deletion and purge, and the
// limits (payload size, items per node, nodes per account).
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { errorCondition } from '../support/raw-client.js';
import { eventNode, itemsIq, itemsOf, online, PepWorld, publish, publishIq, pubsubCondition, PUBSUB, PUBSUB_EVENT, PUBSUB_OWNER } from '../support/pep.js';

const TUNE = 'http://jabber.org/protocol/tune';
const tune = (title: string): Element => xml('tune', { xmlns: TUNE }, xml('title', {}, title));
const ownerIq = (type: 'get' | 'set', child: Element): Element => xml('iq', { type }, xml('pubsub', { xmlns: PUBSUB_OWNER }, child));
const configForm = (fields: Record<string, string>): Element =>
  xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${PUBSUB}#node_config`)),
    ...Object.entries(fields).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value))));

describe('PEP service (XEP-0163, XEP-0060)', () => {
  const world = new PepWorld();
  const login = (user: string, resource: string) => world.login(user, resource);

  before(() => world.start(['alice', 'bob', 'nodes', 'batch'], (c) => {
    c.modules = { ...c.modules, pep: { max_nodes: 8, max_items: 5, max_payload_bytes: 2048 } };
  }));
  after(() => world.stop());

  it('the account shows identity pubsub/pep and the pubsub features (XEP-0163 §7, XEP-0060 §5.1)', async () => {
    const alice = await login('alice', 'disco');
    const res = await alice.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const q = res.getChild('query')!;
    assert.ok(q.getChildren('identity').some((i) => i.attrs.category === 'pubsub' && i.attrs.type === 'pep'));
    const features = q.getChildren('feature').map((f) => f.attrs.var as string);
    for (const f of ['publish', 'auto-create', 'auto-subscribe', 'filtered-notifications', 'publish-options', 'access-presence', 'access-open',
      'access-whitelist', 'persistent-items', 'retract-items', 'delete-items', 'retrieve-items', 'item-ids', 'last-published', 'multi-items',
      'config-node', 'config-node-max', 'purge-nodes', 'delete-nodes', 'pubsub-on-a-jid']) {
      assert.ok(features.includes(`${PUBSUB}#${f}`), f);
    }
    assert.ok(features.includes(PUBSUB), '§5.1: the protocol itself');
    const server = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    assert.ok(server.getChild('query')!.getChildren('identity').some((i) => i.attrs.type === 'pep'), 'XEP-0223 §6: on the server too');
  });

  it('publish creates the node, answers with the item id it generated, and the owner reads it back (§7.1.2, §7.1.4, §6.5.2)', async () => {
    const alice = await login('alice', 'pub');
    const res = await publish(alice, TUNE, undefined, tune('Introduction'));
    const id = res.getChild('pubsub', PUBSUB)!.getChild('publish')!.getChild('item')!.attrs.id as string;
    assert.ok(id && id.length > 0);
    const items = await alice.iq(itemsIq(undefined, TUNE));
    assert.equal(items.attrs.type, 'result');
    const got = itemsOf(items);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.attrs.id, id);
    assert.equal(got[0]!.getChild('tune', TUNE)!.getChildText('title'), 'Introduction');
  });

  it('re-publishing an id overwrites the item; items come newest last and max_items gives the newest (§7.1.2, §6.5.7)', async () => {
    const alice = await login('alice', 'multi');
    const node = 'urn:example:multi';
    for (const id of ['a', 'b', 'c']) await publish(alice, node, id, tune(id), { 'pubsub#max_items': '5' });
    await publish(alice, node, 'a', tune('a2'));
    const all = itemsOf(await alice.iq(itemsIq(undefined, node)));
    assert.deepEqual(all.map((i) => i.attrs.id), ['b', 'c', 'a']);
    assert.equal(all[2]!.getChild('tune', TUNE)!.getChildText('title'), 'a2');
    assert.deepEqual(itemsOf(await alice.iq(itemsIq(undefined, node, { max_items: '2' }))).map((i) => i.attrs.id), ['c', 'a']);
    assert.deepEqual(itemsOf(await alice.iq(itemsIq(undefined, node, {}, ['b', 'zzz']))).map((i) => i.attrs.id), ['b']);
  });

  it('a node keeps at most pubsub#max_items items, and no more than the service maximum (§7.1.2.6, §16.4.3)', async () => {
    const alice = await login('alice', 'max');
    const node = 'urn:example:max';
    for (const id of ['1', '2', '3']) await publish(alice, node, id, tune(id), { 'pubsub#max_items': '2' });
    assert.deepEqual(itemsOf(await alice.iq(itemsIq(undefined, node))).map((i) => i.attrs.id), ['2', '3']);
    const tooMany = await alice.iq(publishIq('urn:example:max6', 'x', tune('x'), { 'pubsub#max_items': '6' }));
    assert.equal(errorCondition(tooMany), 'conflict');
    assert.equal(pubsubCondition(tooMany), 'precondition-not-met');
  });

  it('only the owner publishes: a publish to another account is forbidden (XEP-0163 §2, XEP-0060 §7.1.3.1)', async () => {
    const bob = await login('bob', 'intruder');
    const iq = publishIq(TUNE, 'x', tune('x'));
    iq.attrs.to = 'alice@localhost';
    const res = await bob.iq(iq);
    assert.equal(errorCondition(res), 'forbidden');
    assert.equal(res.getChild('error')!.attrs.type, 'auth');
  });

  it('refuses an item without payload, two payloads, and an oversized payload (§7.1.3.5, §7.1.3.6)', async () => {
    const alice = await login('alice', 'bad');
    const empty = await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node: TUNE }, xml('item', { id: 'e' })))));
    assert.equal(errorCondition(empty), 'bad-request');
    assert.equal(pubsubCondition(empty), 'payload-required');
    const two = await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node: TUNE }, xml('item', { id: 't' }, tune('1'), tune('2'))))));
    assert.equal(pubsubCondition(two), 'invalid-payload');
    const big = await alice.iq(publishIq(TUNE, 'big', tune('x'.repeat(3000))));
    assert.equal(errorCondition(big), 'not-acceptable');
    assert.equal(pubsubCondition(big), 'payload-too-big');
    const noNode = await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('publish', {}, xml('item', {}, tune('x'))))));
    assert.equal(pubsubCondition(noNode), 'nodeid-required');
  });

  it('retract removes an item and notifies when asked; a missing item is item-not-found (§7.2)', async () => {
    const alice = await login('alice', 'retract');
    const node = 'urn:example:retract';
    await online(alice, [`${node}+notify`]);
    await publish(alice, node, 'gone', tune('bye'), { 'pubsub#max_items': '5' });
    await alice.take((e) => eventNode(e) === node && itemsOf(e).length === 1);
    const retract = (id: string): Element => xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('retract', { node, notify: 'true' }, xml('item', { id }))));
    assert.equal((await alice.iq(retract('gone'))).attrs.type, 'result');
    const ev = await alice.take((e) => eventNode(e) === node);
    assert.equal(ev.attrs.type, 'headline');
    assert.equal(ev.attrs.from, 'alice@localhost');
    assert.equal(ev.getChild('event', PUBSUB_EVENT)!.getChild('items')!.getChild('retract')!.attrs.id, 'gone');
    assert.equal(itemsOf(await alice.iq(itemsIq(undefined, node))).length, 0);
    assert.equal(errorCondition(await alice.iq(retract('gone'))), 'item-not-found');
    const noItem = await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('retract', { node }))));
    assert.equal(pubsubCondition(noItem), 'item-required');
  });

  it('a retract of several items is one batch: one missing fails it, and none is removed (§12.11)', async () => {
    const owner = await login('batch', 'client');
    const node = 'urn:example:batch';
    for (const id of ['a', 'b']) await publish(owner, node, id, tune(id), { 'pubsub#max_items': '5' });
    const retract = (...ids: string[]): Element =>
      xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('retract', { node }, ...ids.map((id) => xml('item', { id })))));
    assert.equal(errorCondition(await owner.iq(retract('a', 'missing'))), 'item-not-found');
    assert.deepEqual(itemsOf(await owner.iq(itemsIq(undefined, node))).map((i) => i.attrs.id).sort(), ['a', 'b'], 'nothing removed');
    assert.equal((await owner.iq(retract('a', 'b'))).attrs.type, 'result');
    assert.deepEqual(itemsOf(await owner.iq(itemsIq(undefined, node))), []);
  });

  it('items of a node that does not exist: item-not-found (§6.5.9.11)', async () => {
    const alice = await login('alice', 'missing');
    assert.equal(errorCondition(await alice.iq(itemsIq(undefined, 'urn:example:none'))), 'item-not-found');
  });

  it('the owner reads and changes the configuration; others are forbidden (§8.2)', async () => {
    const alice = await login('alice', 'config');
    const bob = await login('bob', 'config');
    const node = 'urn:example:config';
    await publish(alice, node, '1', tune('1'));
    const form = await alice.iq(ownerIq('get', xml('configure', { node })));
    const fields = form.getChild('pubsub', PUBSUB_OWNER)!.getChild('configure')!.getChild('x')!.getChildren('field');
    const value = (v: string): string | undefined => fields.find((f) => f.attrs.var === v)?.getChildText('value') ?? undefined;
    assert.equal(value('FORM_TYPE'), `${PUBSUB}#node_config`);
    assert.equal(value('pubsub#access_model'), 'presence', 'XEP-0163 §8: presence by default');
    assert.equal(value('pubsub#send_last_published_item'), 'on_sub_and_presence');
    assert.equal(value('pubsub#max_items'), '1');
    const set = await alice.iq(ownerIq('set', xml('configure', { node }, configForm({ 'pubsub#access_model': 'open', 'pubsub#max_items': 'max' }))));
    assert.equal(set.attrs.type, 'result');
    const after = await alice.iq(ownerIq('get', xml('configure', { node })));
    const afterFields = after.getChild('pubsub', PUBSUB_OWNER)!.getChild('configure')!.getChild('x')!.getChildren('field');
    assert.equal(afterFields.find((f) => f.attrs.var === 'pubsub#access_model')!.getChildText('value'), 'open');
    assert.equal(afterFields.find((f) => f.attrs.var === 'pubsub#max_items')!.getChildText('value'), '5');
    const badModel = await alice.iq(ownerIq('set', xml('configure', { node }, configForm({ 'pubsub#access_model': 'authorize' }))));
    assert.equal(errorCondition(badModel), 'not-acceptable');
    assert.equal(pubsubCondition(badModel), 'unsupported-access-model');
    const defaults = await alice.iq(ownerIq('get', xml('default')));
    const defaultFields = defaults.getChild('pubsub', PUBSUB_OWNER)!.getChild('default')!.getChild('x')!.getChildren('field');
    assert.equal(defaultFields.find((f) => f.attrs.var === 'pubsub#access_model')!.getChildText('value'), 'presence', '§8.3');
    const other = ownerIq('get', xml('configure', { node }));
    other.attrs.to = 'alice@localhost';
    assert.equal(errorCondition(await bob.iq(other)), 'forbidden');
    assert.equal(errorCondition(await alice.iq(ownerIq('get', xml('configure', { node: 'urn:example:nothing' })))), 'item-not-found');
  });

  it('purge empties a node and delete removes it, both notified (§8.4, §8.5)', async () => {
    const alice = await login('alice', 'delete');
    const node = 'urn:example:delete';
    await online(alice, [`${node}+notify`]);
    await publish(alice, node, '1', tune('1'));
    await alice.take((e) => eventNode(e) === node);
    assert.equal((await alice.iq(ownerIq('set', xml('purge', { node })))).attrs.type, 'result');
    const purged = await alice.take((e) => eventNode(e) === node);
    assert.ok(purged.getChild('event', PUBSUB_EVENT)!.getChild('purge'));
    assert.equal(itemsOf(await alice.iq(itemsIq(undefined, node))).length, 0);
    assert.equal((await alice.iq(ownerIq('set', xml('delete', { node })))).attrs.type, 'result');
    const deleted = await alice.take((e) => eventNode(e) === node);
    assert.ok(deleted.getChild('event', PUBSUB_EVENT)!.getChild('delete'));
    assert.equal(errorCondition(await alice.iq(itemsIq(undefined, node))), 'item-not-found');
    assert.equal(errorCondition(await alice.iq(ownerIq('set', xml('delete', { node })))), 'item-not-found');
  });

  it('create makes an empty node, a second create is a conflict, and nodes per account are capped (§8.1)', async () => {
    const nodes = await login('nodes', 'create');
    const create = (node?: string): Element => xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('create', node ? { node } : {})));
    assert.equal((await nodes.iq(create('n0'))).attrs.type, 'result');
    assert.equal(errorCondition(await nodes.iq(create('n0'))), 'conflict');
    assert.equal(pubsubCondition(await nodes.iq(create())), 'nodeid-required');
    for (let i = 1; i < 8; i++) assert.equal((await nodes.iq(create(`n${i}`))).attrs.type, 'result');
    const full = await nodes.iq(create('n8'));
    assert.equal(errorCondition(full), 'resource-constraint');
    const autoCreate = await nodes.iq(publishIq('n9', 'x', tune('x')));
    assert.equal(errorCondition(autoCreate), 'resource-constraint');
    assert.equal((await nodes.iq(publishIq('n1', 'x', tune('x')))).attrs.type, 'result', 'publishing to an existing node still works');
  });

  it('use cases not offered answer feature-not-implemented with the feature (§5.6, §16)', async () => {
    const alice = await login('alice', 'unsupported');
    const res = await alice.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: PUBSUB }, xml('subscriptions'))));
    assert.equal(errorCondition(res), 'feature-not-implemented');
    assert.equal(res.getChild('error')!.getChild('unsupported', 'http://jabber.org/protocol/pubsub#errors')!.attrs.feature, 'retrieve-subscriptions');
  });
});
