// vcard-temp (XEP-0054) over real sockets: own vCard, other users' vCards, who may change them,
// the size limit, disco, and vCards kept across a server restart.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from '../support/server.js';

const NS = 'vcard-temp';
const vcard = (...children: Element[]): Element => xml('vCard', { xmlns: NS }, ...children);
const get = (to?: string): Element => xml('iq', to ? { type: 'get', to } : { type: 'get' }, vcard());
const set = (card: Element, to?: string): Element => xml('iq', to ? { type: 'set', to } : { type: 'set' }, card);
// The default module set, with a small vCard limit.
const withVcard: ConfigChange = (c) => {
  c.modules = { ...c.modules, vcard: { max_bytes: 2048 } };
};

async function login(ts: TestServer, user: string, resource: string): Promise<RawClient> {
  const c = await RawClient.connect({ port: ts.c2sPort, ca: await ts.ca() });
  await c.login(user, `pw-${user}`, resource);
  return c;
}

describe('vcard-temp (XEP-0054)', () => {
  let ts: TestServer;
  let alice: RawClient;
  let bob: RawClient;

  before(async () => {
    ts = await startTestServer(withVcard);
    for (const u of ['alice', 'bob', 'carol']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    alice = await login(ts, 'alice', 'home');
    bob = await login(ts, 'bob', 'work');
  });
  after(async () => {
    alice.destroy();
    bob.destroy();
    await ts.stop();
  });

  it('answers a get of one\'s own missing vCard with an empty vCard (§3.1)', async () => {
    const res = await alice.iq(get());
    assert.equal(res.attrs.type, 'result');
    const card = res.getChild('vCard', NS)!;
    assert.ok(card);
    assert.equal(card.children.length, 0);
  });

  it('stores one\'s own vCard with an IQ set without to, and returns it on get (§3.1, §3.2)', async () => {
    const res = await alice.iq(set(vcard(xml('FN', {}, 'Alice Liddell'), xml('NICKNAME', {}, 'alice'))));
    assert.equal(res.attrs.type, 'result');
    const got = await alice.iq(get());
    const card = got.getChild('vCard', NS)!;
    assert.equal(card.getChildText('FN'), 'Alice Liddell');
    assert.equal(card.getChildText('NICKNAME'), 'alice');
  });

  it('accepts a set addressed to one\'s own bare JID and replaces the whole vCard (§3.2)', async () => {
    const res = await alice.iq(set(vcard(xml('FN', {}, 'Alice L.')), 'alice@localhost'));
    assert.equal(res.attrs.type, 'result');
    const card = (await alice.iq(get('alice@localhost'))).getChild('vCard', NS)!;
    assert.equal(card.getChildText('FN'), 'Alice L.');
    assert.equal(card.getChild('NICKNAME'), undefined, 'no partial updates: the old NICKNAME is gone');
  });

  it('serves another user\'s vCard from the server, on the user\'s behalf (§3.3)', async () => {
    const res = await bob.iq(get('alice@localhost'));
    assert.equal(res.attrs.type, 'result');
    assert.equal(res.attrs.from, 'alice@localhost');
    assert.equal(res.getChild('vCard', NS)!.getChildText('FN'), 'Alice L.');
  });

  it('answers service-unavailable both for a user without a vCard and for no such user (§3.3)', async () => {
    const none = await bob.iq(get('carol@localhost'));
    assert.equal(errorCondition(none), 'service-unavailable');
    const nobody = await bob.iq(get('nobody@localhost'));
    assert.equal(errorCondition(nobody), 'service-unavailable');
  });

  it('refuses to set another user\'s vCard with forbidden and leaves it unchanged (§3.2)', async () => {
    const res = await bob.iq(set(vcard(xml('FN', {}, 'Mallory')), 'alice@localhost'));
    assert.equal(errorCondition(res), 'forbidden');
    assert.equal(res.getChild('error')!.attrs.type, 'auth');
    const card = (await bob.iq(get('alice@localhost'))).getChild('vCard', NS)!;
    assert.equal(card.getChildText('FN'), 'Alice L.');
  });

  it('refuses a vCard larger than max_bytes with not-acceptable and keeps the old one (RFC 6120 §8.3.3.9)', async () => {
    const big = vcard(xml('FN', {}, 'Alice'), xml('DESC', {}, 'x'.repeat(3000)));
    const res = await alice.iq(set(big));
    assert.equal(errorCondition(res), 'not-acceptable');
    assert.equal(res.getChild('error')!.attrs.type, 'modify');
    const card = (await alice.iq(get())).getChild('vCard', NS)!;
    assert.equal(card.getChildText('FN'), 'Alice L.');
  });

  it('keeps namespace declarations the vCard inherits from the stanza (§3.2, Namespaces in XML)', async () => {
    bob.write("<iq type='set' id='ns1' xmlns:x='urn:example:ext'><vCard xmlns='vcard-temp'><FN>Bob</FN><x:EXTRA x:level='2'>more</x:EXTRA></vCard></iq>");
    const ok = await bob.expect((e) => e.attrs.id === 'ns1');
    assert.equal(ok.attrs.type, 'result');
    const card = (await alice.iq(get('bob@localhost'))).getChild('vCard', NS)!;
    const extra = card.getChildren('EXTRA').find((e) => e.getNS() === 'urn:example:ext');
    assert.ok(extra, card.toString());
    assert.equal(extra.getText(), 'more');
  });

  it('removes the vCard when an empty one is set, so others get service-unavailable again (§3.2, §3.3)', async () => {
    assert.equal((await bob.iq(set(vcard()))).attrs.type, 'result');
    assert.equal(errorCondition(await alice.iq(get('bob@localhost'))), 'service-unavailable');
  });

  it('announces vcard-temp on the server and on the account (§4)', async () => {
    const feature = async (to: string): Promise<string[]> => {
      const res = await alice.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      return res.getChild('query')!.getChildren('feature').map((f) => f.attrs.var as string);
    };
    assert.ok((await feature('localhost')).includes(NS));
    assert.ok((await feature('alice@localhost')).includes(NS));
  });
});

describe('vcard-temp across a restart (XEP-0054)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-vcard-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves a stored vCard after the server is stopped and started on the same data', async () => {
    const first = await startTestServer(withVcard, { dataDir: dir });
    await first.addUser('alice@localhost', 'pw-alice');
    await first.addUser('bob@localhost', 'pw-bob');
    const alice = await login(first, 'alice', 'a');
    assert.equal((await alice.iq(set(vcard(xml('FN', {}, 'Persistent Alice'))))).attrs.type, 'result');
    alice.destroy();
    await first.stop();

    const second = await startTestServer(withVcard, { dataDir: dir });
    try {
      const bob = await login(second, 'bob', 'b');
      const res = await bob.iq(get('alice@localhost'));
      bob.destroy();
      assert.equal(res.getChild('vCard', NS)!.getChildText('FN'), 'Persistent Alice');
    } finally {
      await second.stop();
    }
  });
});
