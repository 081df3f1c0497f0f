// Avatars over real sockets: XEP-0084 through PEP (an avatar published by one user reaches a
// subscribed contact), and XEP-0398's conversion both ways with the vCard PHOTO, plus the
// XEP-0153 photo hash the server puts into presence.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { eventNode, itemsIq, itemsOf, online, PepWorld, publish } from '../support/pep.js';

const DATA = 'urn:xmpp:avatar:data';
const METADATA = 'urn:xmpp:avatar:metadata';
const UPDATE = 'vcard-temp:x:update';
/** A 1x1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const sha1 = (b64: string): string => createHash('sha1').update(Buffer.from(b64, 'base64')).digest('hex');
const ID = sha1(PNG);
const SECOND = Buffer.from('another image, for the vCard direction').toString('base64');

const OPEN = { 'pubsub#access_model': 'open' };
const info = (png: string): Element =>
  xml('info', { bytes: String(Buffer.from(png, 'base64').length), id: sha1(png), type: 'image/png', width: '1', height: '1' });
const vcardGet = (to: string): Element => xml('iq', { type: 'get', to }, xml('vCard', { xmlns: 'vcard-temp' }));
const photoOf = (res: Element): { type?: string; binval?: string } | undefined => {
  const photo = res.getChild('vCard', 'vcard-temp')?.getChild('PHOTO');
  return photo ? { type: photo.getChildText('TYPE') ?? undefined, binval: photo.getChildText('BINVAL')?.replace(/\s+/g, '') } : undefined;
};
const hashIn = (presence: Element): string | undefined => presence.getChild('x', UPDATE)?.getChild('photo')?.getText();

/** Asks until `check` passes, a bounded number of times (for work done after an answer). */
async function eventually(ask: () => Promise<Element>, check: (e: Element) => boolean): Promise<Element> {
  let last: Element | undefined;
  for (let i = 0; i < 100; i++) {
    last = await ask();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never true: ${last?.toString()}`);
}

describe('avatars (XEP-0084, XEP-0398, XEP-0153)', () => {
  const world = new PepWorld();
  const login = (user: string, resource: string) => world.login(user, resource);

  before(async () => {
    await world.start(['alice', 'bob', 'carol', 'dave', 'erin']);
    await world.mutual('alice', 'bob');
    await world.mutual('carol', 'bob');
  });
  after(() => world.stop());

  it('an avatar published by one user reaches a subscribed contact, who fetches the data by id (XEP-0084 §4.1-§4.3)', async () => {
    const bob = await login('bob', 'viewer');
    await online(bob, [`${METADATA}+notify`, 'urn:example:bob']);
    const alice = await login('alice', 'phone');
    // Open to anyone, as clients publish avatars they mean to show beyond their contacts.
    await publish(alice, DATA, ID, xml('data', { xmlns: DATA }, PNG), OPEN);
    await publish(alice, METADATA, ID, xml('metadata', { xmlns: METADATA }, info(PNG)), OPEN);
    const ev = await bob.take((e) => eventNode(e) === METADATA);
    assert.equal(ev.attrs.from, 'alice@localhost');
    const item = itemsOf(ev)[0]!;
    assert.equal(item.attrs.id, ID);
    assert.equal(item.getChild('metadata', METADATA)!.getChild('info')!.attrs.type, 'image/png');
    const data = await bob.iq(itemsIq('alice@localhost', DATA, {}, [ID]));
    assert.equal(itemsOf(data)[0]!.getChild('data', DATA)!.getText(), PNG);
  });

  it('the published avatar becomes the vCard PHOTO, and the account announces the conversion (XEP-0398 §2, §3.1)', async () => {
    const bob = await login('bob', 'vcard');
    const disco = await (await login('alice', 'disco')).iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    assert.ok(disco.getChild('query')!.getChildren('feature').some((f) => f.attrs.var === 'urn:xmpp:pep-vcard-conversion:0'));
    const res = await eventually(() => bob.iq(vcardGet('alice@localhost')), (r) => photoOf(r)?.binval === PNG);
    assert.equal(photoOf(res)!.type, 'image/png');
  });

  it('an avatar for contacts only stays out of the vCard, which anyone may read (XEP-0398 §7)', async () => {
    const dave = await login('dave', 'phone');
    await publish(dave, DATA, ID, xml('data', { xmlns: DATA }, PNG));
    await publish(dave, METADATA, ID, xml('metadata', { xmlns: METADATA }, info(PNG)));
    const erin = await login('erin', 'stranger');
    assert.ok((await erin.iq(itemsIq('dave@localhost', DATA, {}, [ID]))).getChild('error'), 'PEP refuses a stranger');
    // Every module has handled the metadata's publication ('pep/changed') by then.
    await world.ts.server.hosts.get('localhost')!.events.idle();
    assert.equal(photoOf(await erin.iq(vcardGet('dave@localhost'))), undefined, 'and so does the vCard');
  });

  it('available presence carries the photo hash; one with its own <photo/> is left alone (XEP-0398 §4, XEP-0153 §3.1)', async () => {
    const bob = await login('bob', 'presence');
    bob.send(xml('presence'));
    const alice = await login('alice', 'laptop');
    alice.send(xml('presence'));
    const seen = await bob.take((e) => e.name === 'presence' && e.attrs.from === alice.jid);
    assert.equal(hashIn(seen), ID);
    alice.send(xml('presence', {}, xml('show', {}, 'away'), xml('x', { xmlns: UPDATE }, xml('photo'))));
    const own = await bob.take((e) => e.name === 'presence' && e.attrs.from === alice.jid && e.getChildText('show') === 'away');
    assert.equal(hashIn(own), '', 'an empty photo element passes untouched');
    alice.send(xml('presence', {}, xml('show', {}, 'dnd'), xml('x', { xmlns: UPDATE })));
    const filled = await bob.take((e) => e.name === 'presence' && e.attrs.from === alice.jid && e.getChildText('show') === 'dnd');
    assert.equal(hashIn(filled), ID, 'an update element without photo is filled in');
    assert.equal(filled.getChildren('x').filter((x) => x.attrs.xmlns === UPDATE).length, 1);
  });

  it('a vCard photo is published as avatar data and metadata, and subscribers are notified (XEP-0398 §3.2)', async () => {
    const bob = await login('bob', 'carolwatch');
    await online(bob, [`${METADATA}+notify`, 'urn:example:bob2']);
    const carol = await login('carol', 'old-client');
    const set = await carol.iq(xml('iq', { type: 'set' }, xml('vCard', { xmlns: 'vcard-temp' },
      xml('FN', {}, 'Carol'), xml('PHOTO', {}, xml('TYPE', {}, 'image/jpeg'), xml('BINVAL', {}, SECOND)))));
    assert.equal(set.attrs.type, 'result');
    const ev = await bob.take((e) => eventNode(e) === METADATA && e.attrs.from === 'carol@localhost');
    const info = itemsOf(ev)[0]!.getChild('metadata', METADATA)!.getChild('info')!;
    assert.equal(info.attrs.id, sha1(SECOND));
    assert.equal(info.attrs.type, 'image/jpeg');
    assert.equal(info.attrs.bytes, String(Buffer.from(SECOND, 'base64').length));
    const data = await bob.iq(itemsIq('carol@localhost', DATA, {}, [sha1(SECOND)]));
    assert.equal(itemsOf(data)[0]!.getChild('data', DATA)!.getText(), SECOND);
    carol.send(xml('presence'));
    const p = await bob.take((e) => e.name === 'presence' && e.attrs.from === carol.jid);
    assert.equal(hashIn(p), sha1(SECOND));
  });

  it('a vCard set without a photo leaves the PEP avatar as it was (XEP-0398 §3.2 converts photos only)', async () => {
    const carol = await login('carol', 'name-only');
    const set = await carol.iq(xml('iq', { type: 'set' }, xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, 'Carol'), xml('NICKNAME', {}, 'caro'))));
    assert.equal(set.attrs.type, 'result');
    await world.ts.server.hosts.get('localhost')!.events.idle();
    const md = itemsOf(await carol.iq(itemsIq(undefined, METADATA)));
    assert.equal(md.at(-1)!.getChild('metadata', METADATA)!.getChild('info')?.attrs.id, sha1(SECOND), 'the avatar from the vCard before stays');
  });

  it('empty metadata (avatar disabled) removes the vCard PHOTO and the hash (XEP-0084 §4.5, XEP-0398 §3.1)', async () => {
    const alice = await login('alice', 'disable');
    const bob = await login('bob', 'disable');
    bob.send(xml('presence'));
    await publish(alice, METADATA, 'off', xml('metadata', { xmlns: METADATA }));
    const res = await eventually(() => bob.iq(vcardGet('alice@localhost')), (r) => photoOf(r) === undefined);
    assert.equal(photoOf(res), undefined);
    alice.send(xml('presence'));
    const seen = await bob.take((e) => e.name === 'presence' && e.attrs.from === alice.jid);
    assert.equal(hashIn(seen), '');
  });
});

describe('avatars from vCards within the PEP limits', () => {
  const world = new PepWorld();
  before(() => world.start(['gus'], (c) => {
    c.modules = { ...c.modules, pep: { max_items: 2, default_max_items: 1 } };
  }));
  after(() => world.stop());

  it("the avatar nodes the vCard writes keep no more items than pep.max_items allows ('max')", async () => {
    const gus = await world.login('gus', 'old-client');
    // A client made the data node to keep as many avatars as the service allows.
    await publish(gus, DATA, ID, xml('data', { xmlns: DATA }, PNG), { 'pubsub#max_items': 'max' });
    for (const n of [1, 2, 3]) {
      const photo = Buffer.from(`photo number ${n}`).toString('base64');
      const set = await gus.iq(xml('iq', { type: 'set' }, xml('vCard', { xmlns: 'vcard-temp' }, xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, photo)))));
      assert.equal(set.attrs.type, 'result');
    }
    await world.ts.server.hosts.get('localhost')!.events.idle();
    assert.equal(itemsOf(await gus.iq(itemsIq(undefined, DATA))).length, 2);
  });
});
