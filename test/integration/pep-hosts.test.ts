// PEP with a contact of another domain (here another virtual host of the same server), known
// to the owner's service only by the presence it sends (XEP-0060 §9.1.2, XEP-0163 §4): its
// capabilities are learnt by a disco#info from the owner's server, it gets the last item when
// its presence arrives, and later notifications, until it goes unavailable.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { Peer } from '../support/peer.js';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { capsVer, connect, eventNode, itemsOf, publish } from '../support/pep.js';

const TUNE = 'http://jabber.org/protocol/tune';
const DISCO = 'http://jabber.org/protocol/disco#info';
const tune = (title: string): Element => xml('tune', { xmlns: TUNE }, xml('title', {}, title));
const isTune = (e: Element): boolean => eventNode(e) === TUNE;

describe('PEP with a contact of another domain (XEP-0060 §9.1.2)', () => {
  let ts: TestServer;
  const peers: Peer[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.hosts['example.test'] = { tls: {} };
    });
    await ts.addUser('alice@localhost', 'pw-alice');
    await ts.addUser('bob@example.test', 'pw-bob');
    const item = (jid: string) => ({ jid, subscription: 'both' as const, ask: false, approved: false, groups: [] });
    await ts.server.storage.roster.setItem('localhost', 'alice', item('bob@example.test'));
    await ts.server.storage.roster.setItem('example.test', 'bob', item('alice@localhost'));
  });
  after(async () => {
    for (const p of peers) p.client.destroy();
    await ts.stop();
  });

  it('the contact is asked by the owner\'s server, gets the last item, then notifications, and none once unavailable', async () => {
    const alice = await connect(ts, 'alice', 'home');
    peers.push(alice);
    alice.send(xml('presence'));
    await publish(alice, TUNE, 'first', tune('Prelude'));

    const client = await RawClient.connect({ port: ts.c2sPort, domain: 'example.test', ca: await ts.ca('example.test') });
    const bob = new Peer(client, await client.login('bob', 'pw-bob', 'away'));
    peers.push(bob);
    const features = [`${TUNE}+notify`, 'urn:example:bob'];
    bob.send(xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://starling.example/test-client', ver: capsVer(features) })));
    // Both servers ask: bob's own (for bob's host) and alice's (for the presence it received).
    const fromLocalhost = await bob.take((e) => e.name === 'iq' && e.attrs.type === 'get' && e.attrs.from === 'localhost');
    const node = fromLocalhost.getChild('query', DISCO)!.attrs.node as string;
    bob.send(xml('iq', { type: 'result', to: 'localhost', id: fromLocalhost.attrs.id as string },
      xml('query', { xmlns: DISCO, node }, xml('identity', { category: 'client', type: 'pc', name: 'Starling tests' }), ...features.map((f) => xml('feature', { var: f })))));

    const last = await bob.take(isTune);
    assert.equal(last.attrs.from, 'alice@localhost');
    assert.equal(itemsOf(last)[0]!.attrs.id, 'first');

    await publish(alice, TUNE, 'second', tune('Fugue'));
    const ev = await bob.take((e) => isTune(e) && itemsOf(e)[0]?.attrs.id === 'second');
    assert.equal(ev.attrs.to, bob.jid);

    bob.send(xml('presence', { type: 'unavailable' }));
    await alice.take((e) => e.name === 'presence' && e.attrs.from === bob.jid && e.attrs.type === 'unavailable');
    await publish(alice, TUNE, 'third', tune('Coda'));
    assert.deepEqual((await bob.drain(300)).filter(isTune).map((e) => e.toString()), []);
  });
});
