// Private XML storage (XEP-0049) over real sockets: store and read by namespace, several
// fragments in one set, reserved namespaces, other users refused, the size limit.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const NS = 'jabber:iq:private';
const query = (type: 'get' | 'set', children: Element[], to?: string): Element =>
  xml('iq', to ? { type, to } : { type }, xml('query', { xmlns: NS }, ...children));

describe('private XML storage (XEP-0049)', () => {
  let ts: TestServer;
  let alice: RawClient;
  let bob: RawClient;

  before(async () => {
    // The default module set, with a small limit.
    ts = await startTestServer((c) => {
      c.modules = { ...c.modules, private: { max_bytes: 2048 } };
    });
    const ca = await ts.ca();
    await ts.addUser('alice@localhost', 'pw-alice');
    await ts.addUser('bob@localhost', 'pw-bob');
    alice = await RawClient.connect({ port: ts.c2sPort, ca });
    await alice.login('alice', 'pw-alice', 'home');
    bob = await RawClient.connect({ port: ts.c2sPort, ca });
    await bob.login('bob', 'pw-bob', 'work');
  });
  after(async () => {
    alice.destroy();
    bob.destroy();
    await ts.stop();
  });

  it('stores a fragment and returns it on a get naming its element and namespace (§2.3)', async () => {
    const set = await alice.iq(query('set', [xml('exodus', { xmlns: 'exodus:prefs' }, xml('defaultnick', {}, 'Hamlet'))]));
    assert.equal(set.attrs.type, 'result');
    const got = await alice.iq(query('get', [xml('exodus', { xmlns: 'exodus:prefs' })]));
    const frag = got.getChild('query', NS)!.getChild('exodus', 'exodus:prefs')!;
    assert.equal(frag.getChildText('defaultnick'), 'Hamlet');
  });

  it('answers a get for nothing stored with the empty element (§2.3)', async () => {
    const got = await alice.iq(query('get', [xml('storage', { xmlns: 'storage:bookmarks' })]));
    assert.equal(got.attrs.type, 'result');
    const frag = got.getChild('query', NS)!.getChild('storage', 'storage:bookmarks')!;
    assert.equal(frag.children.length, 0);
  });

  it('stores each fragment of a set with several children, leaving others alone (§2.3)', async () => {
    const set = await alice.iq(query('set', [
      xml('storage', { xmlns: 'storage:bookmarks' }, xml('conference', { jid: 'room@conference.localhost', name: 'Room' })),
      xml('prefs', { xmlns: 'urn:example:prefs' }, xml('theme', {}, 'dark')),
    ]));
    assert.equal(set.attrs.type, 'result');
    const bm = await alice.iq(query('get', [xml('storage', { xmlns: 'storage:bookmarks' })]));
    assert.equal(bm.getChild('query')!.getChild('storage')!.getChild('conference')!.attrs.jid, 'room@conference.localhost');
    const prefs = await alice.iq(query('get', [xml('prefs', { xmlns: 'urn:example:prefs' })]));
    assert.equal(prefs.getChild('query')!.getChild('prefs')!.getChildText('theme'), 'dark');
    const exodus = await alice.iq(query('get', [xml('exodus', { xmlns: 'exodus:prefs' })]));
    assert.equal(exodus.getChild('query')!.getChild('exodus')!.getChildText('defaultnick'), 'Hamlet');
  });

  it('replaces a fragment on a second set, and removes it when set empty (§2.3)', async () => {
    await alice.iq(query('set', [xml('prefs', { xmlns: 'urn:example:prefs' }, xml('theme', {}, 'light'))]));
    let got = await alice.iq(query('get', [xml('prefs', { xmlns: 'urn:example:prefs' })]));
    assert.equal(got.getChild('query')!.getChild('prefs')!.getChildText('theme'), 'light');
    await alice.iq(query('set', [xml('prefs', { xmlns: 'urn:example:prefs' })]));
    got = await alice.iq(query('get', [xml('prefs', { xmlns: 'urn:example:prefs' })]));
    assert.equal(got.getChild('query')!.getChild('prefs')!.children.length, 0);
  });

  it('refuses reserved namespaces (jabber:*, http://jabber.org/*, vcard-temp) with not-acceptable (§2.3)', async () => {
    for (const ns of ['jabber:iq:roster', 'http://jabber.org/protocol/muc', 'vcard-temp']) {
      const set = await alice.iq(query('set', [xml('data', { xmlns: ns }, 'x')]));
      assert.equal(errorCondition(set), 'not-acceptable', ns);
      const get = await alice.iq(query('get', [xml('data', { xmlns: ns })]));
      assert.equal(errorCondition(get), 'not-acceptable', ns);
    }
    // A child without a namespace of its own inherits jabber:iq:private.
    const bare = await alice.iq(query('set', [xml('data', {}, 'x')]));
    assert.equal(errorCondition(bare), 'not-acceptable');
  });

  it('refuses a query without a child element with not-acceptable (§2.3)', async () => {
    assert.equal(errorCondition(await alice.iq(query('get', []))), 'not-acceptable');
    assert.equal(errorCondition(await alice.iq(query('set', []))), 'not-acceptable');
  });

  it('refuses a get for two namespaces at once with bad-request (§2.3)', async () => {
    const res = await alice.iq(query('get', [xml('a', { xmlns: 'urn:example:a' }), xml('b', { xmlns: 'urn:example:b' })]));
    assert.equal(errorCondition(res), 'bad-request');
  });

  it('refuses to get or set another user\'s private data with forbidden (§2.3, §4)', async () => {
    const get = await bob.iq(query('get', [xml('exodus', { xmlns: 'exodus:prefs' })], 'alice@localhost'));
    assert.equal(errorCondition(get), 'forbidden');
    const set = await bob.iq(query('set', [xml('exodus', { xmlns: 'exodus:prefs' }, xml('defaultnick', {}, 'Macbeth'))], 'alice@localhost'));
    assert.equal(errorCondition(set), 'forbidden');
    const mine = await alice.iq(query('get', [xml('exodus', { xmlns: 'exodus:prefs' })], 'alice@localhost'));
    assert.equal(mine.getChild('query')!.getChild('exodus')!.getChildText('defaultnick'), 'Hamlet');
  });

  it('keeps users\' data apart: the same namespace holds each user\'s own fragment (§2.1)', async () => {
    await bob.iq(query('set', [xml('exodus', { xmlns: 'exodus:prefs' }, xml('defaultnick', {}, 'Bob'))]));
    const b = await bob.iq(query('get', [xml('exodus', { xmlns: 'exodus:prefs' })]));
    assert.equal(b.getChild('query')!.getChild('exodus')!.getChildText('defaultnick'), 'Bob');
    const a = await alice.iq(query('get', [xml('exodus', { xmlns: 'exodus:prefs' })]));
    assert.equal(a.getChild('query')!.getChild('exodus')!.getChildText('defaultnick'), 'Hamlet');
  });

  it('refuses a set that would take the account past max_bytes with not-acceptable, storing nothing of it (RFC 6120 §8.3.3.9)', async () => {
    const res = await alice.iq(query('set', [
      xml('small', { xmlns: 'urn:example:small' }, 'fits'),
      xml('big', { xmlns: 'urn:example:big' }, 'x'.repeat(2500)),
    ]));
    assert.equal(errorCondition(res), 'not-acceptable');
    const small = await alice.iq(query('get', [xml('small', { xmlns: 'urn:example:small' })]));
    assert.equal(small.getChild('query')!.getChild('small')!.children.length, 0, 'the set is all or nothing');
  });
});
