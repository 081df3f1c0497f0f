// Message Carbons (XEP-0280) over real sockets: alice has three resources, two with carbons
// enabled and one without; bob talks to her. Checks who gets the message, who gets a copy and
// what a copy looks like, for received (§7) and sent (§8) messages, private messages (§9),
// messages between alice's own resources, forged carbons (§11) and disabling (§5).
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { receivedBeforePing } from '../support/sync.js';
import { SID, mamQuery } from '../support/mam.js';

const CARBONS = 'urn:xmpp:carbons:2';
const FORWARD = 'urn:xmpp:forward:0';

let seq = 0;

function chat(to: string, body: string, type = 'chat', ...extra: Element[]): Element {
  const attrs: Record<string, string> = { to, id: `m${++seq}` };
  if (type !== 'normal') attrs.type = type;
  return xml('message', attrs, xml('body', {}, body), ...extra);
}

const messages = (els: Element[]): Element[] => els.filter((e) => e.name === 'message');

/** The message a carbon carries, checking the wrapper on the way (§7, §8, XEP-0297). */
function carried(carbon: Element, kind: 'received' | 'sent', to: string): Element {
  assert.equal(carbon.attrs.from, 'alice@localhost', 'a carbon comes from the bare JID (§7, §8)');
  assert.equal(carbon.attrs.to, to);
  const wrapper = carbon.getChild(kind, CARBONS);
  assert.ok(wrapper, `a <${kind}/> carbon: ${carbon.toString()}`);
  const inner = wrapper.getChild('forwarded', FORWARD)?.getChild('message');
  assert.ok(inner, 'the message is inside <forwarded/>');
  assert.equal(inner.attrs.xmlns, 'jabber:client', 'the forwarded message keeps its namespace (XEP-0297 §3.3)');
  return inner;
}

describe('message carbons (XEP-0280)', () => {
  let ts: TestServer;
  let ca: string;
  const clients: RawClient[] = [];
  // alice/a and alice/b enable carbons, alice/c does not.
  let a: RawClient;
  let b: RawClient;
  let c: RawClient;
  let bob: RawClient;

  async function login(user: string, resource: string, priority?: number): Promise<RawClient> {
    const client = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(client);
    await client.login(user, `pw-${user}`, resource);
    client.send(priority === undefined ? xml('presence') : xml('presence', {}, xml('priority', {}, String(priority))));
    return client;
  }

  const toggle = (client: RawClient, what: 'enable' | 'disable', to?: string): Promise<Element> =>
    client.iq(xml('iq', to === undefined ? { type: 'set' } : { type: 'set', to }, xml(what, { xmlns: CARBONS })));

  /** Lets `sender`'s stanzas be handled, then returns the messages each of `clients` got. */
  async function settle(sender: RawClient, ...watched: RawClient[]): Promise<Element[][]> {
    const own = messages(await receivedBeforePing(sender));
    const out: Element[][] = [];
    for (const w of watched) out.push(w === sender ? own : messages(await receivedBeforePing(w)));
    return out;
  }

  before(async () => {
    ts = await startTestServer();
    ca = await ts.ca();
    for (const u of ['alice', 'bob']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    // alice/a has the highest priority: messages to the bare JID go to it alone.
    a = await login('alice', 'a', 5);
    b = await login('alice', 'b', 1);
    c = await login('alice', 'c', 1);
    bob = await login('bob', 'desk');
    for (const r of [a, b]) assert.equal((await toggle(r, 'enable')).attrs.type, 'result');
    await settle(bob, a, b, c);
  });
  after(async () => {
    await Promise.all(clients.map((x) => x.close()));
    await ts.stop();
  });

  it('advertises urn:xmpp:carbons:2 on the server and on accounts (§3)', async () => {
    for (const to of ['localhost', 'alice@localhost']) {
      const res = await a.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      const features = res.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
      assert.ok(features.includes(CARBONS), `${to}: ${features.join(' ')}`);
    }
  });

  it('answers repeated enable and disable with a result (§10.1), and refuses another account\'s with not-allowed (§5.1)', async () => {
    assert.equal((await toggle(a, 'enable')).attrs.type, 'result');
    assert.equal((await toggle(a, 'enable', 'alice@localhost')).attrs.type, 'result');
    assert.equal((await toggle(a, 'enable', 'localhost')).attrs.type, 'result');
    assert.equal((await toggle(c, 'disable')).attrs.type, 'result');
    for (const what of ['enable', 'disable'] as const) {
      const res = await toggle(bob, what, 'alice@localhost');
      assert.equal(res.attrs.type, 'error');
      assert.equal(errorCondition(res), 'not-allowed');
      assert.equal(res.getChild('error')!.attrs.type, 'cancel');
    }
  });

  it('copies a message to a full JID as <received/> to the other enabled resources only (§7)', async () => {
    const msg = chat('alice@localhost/c', 'to c');
    bob.send(msg);
    const [gotA, gotB, gotC] = await settle(bob, a, b, c);
    assert.deepEqual(gotC!.map((m) => m.getChildText('body')), ['to c'], 'the addressee gets the message itself');
    for (const [got, to] of [[gotA!, 'alice@localhost/a'], [gotB!, 'alice@localhost/b']] as const) {
      assert.equal(got.length, 1);
      assert.equal(got[0]!.attrs.type, 'chat', 'the wrapper keeps the type');
      const inner = carried(got[0]!, 'received', to);
      assert.equal(inner.attrs.from, 'bob@localhost/desk');
      assert.equal(inner.attrs.to, 'alice@localhost/c');
      assert.equal(inner.attrs.id, msg.attrs.id);
      assert.equal(inner.getChildText('body'), 'to c');
    }
  });

  it('gives no copy to the resource that core delivery gave a bare-JID message to (§7, RFC 6121 §8.5.2.1.1)', async () => {
    bob.send(chat('alice@localhost', 'to the account'));
    const [gotA, gotB, gotC] = await settle(bob, a, b, c);
    assert.equal(gotA!.length, 1);
    assert.equal(gotA![0]!.getChildText('body'), 'to the account', 'the highest priority gets the message');
    assert.equal(gotB!.length, 1);
    assert.equal(carried(gotB![0]!, 'received', 'alice@localhost/b').getChildText('body'), 'to the account');
    assert.deepEqual(gotC, [], 'not enabled, not a top resource: nothing');
  });

  it('copies what a resource sends as <sent/> to the enabled resources, even from one without carbons (§8)', async () => {
    const msg = chat('bob@localhost', 'from c');
    c.send(msg);
    const [gotBob, gotA, gotB, gotC] = await settle(c, bob, a, b, c);
    assert.deepEqual(gotBob!.map((m) => m.getChildText('body')), ['from c']);
    assert.deepEqual(gotC, []);
    for (const [got, to] of [[gotA!, 'alice@localhost/a'], [gotB!, 'alice@localhost/b']] as const) {
      assert.equal(got.length, 1);
      const inner = carried(got[0]!, 'sent', to);
      assert.equal(inner.attrs.from, 'alice@localhost/c');
      assert.equal(inner.attrs.to, 'bob@localhost');
      assert.equal(inner.attrs.id, msg.attrs.id);
    }

    a.send(chat('bob@localhost', 'from a'));
    const [, gotA2, gotB2, gotC2] = await settle(a, bob, a, b, c);
    assert.deepEqual(gotA2, [], 'no copy back to the sender (§8)');
    assert.deepEqual(gotC2, []);
    assert.equal(carried(gotB2![0]!, 'sent', 'alice@localhost/b').getChildText('body'), 'from a');
  });

  it("a <sent/> copy carries the id alice's archive gave the message; bob's message carries none of hers (XEP-0313 §3.5)", async () => {
    c.send(chat('bob@localhost', 'archived and copied'));
    const [gotBob, gotA] = await settle(c, bob, a, b);
    const ids = carried(gotA![0]!, 'sent', 'alice@localhost/a').getChildren('stanza-id', SID);
    assert.equal(ids.length, 1);
    assert.equal(ids[0]!.attrs.by, 'alice@localhost');
    assert.deepEqual(gotBob![0]!.getChildren('stanza-id', SID).filter((e) => e.attrs.by === 'alice@localhost'), []);
    const archived = await mamQuery(a, { max: 1, before: '' });
    assert.equal(archived.messages[0]!.getChildText('body'), 'archived and copied');
    assert.equal(ids[0]!.attrs.id, archived.ids[0]);
  });

  it('copies chat, normal with a body and IM payloads, but not a bodiless normal message, a headline or an error (§6.1)', async () => {
    const payload = (type: string, ...children: Element[]): Element => xml('message', { to: 'alice@localhost/c', type }, ...children);
    bob.send(payload('chat', xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    bob.send(chat('alice@localhost/c', 'normal with body', 'normal'));
    bob.send(payload('normal', xml('x', { xmlns: 'urn:example:other' })));
    bob.send(payload('headline', xml('body', {}, 'news')));
    bob.send(payload('normal', xml('received', { xmlns: 'urn:xmpp:receipts', id: 'r1' })));
    bob.send(payload('error', xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))));
    const [gotB, gotC] = await settle(bob, b, c);
    assert.equal(gotC!.length, 6, 'the addressee gets them all');
    const copied = gotB!.map((m) => carried(m, 'received', 'alice@localhost/b'));
    assert.deepEqual(copied.map((m) => m.attrs.type ?? 'normal'), ['chat', 'normal', 'normal']);
    assert.ok(copied[0]!.getChild('composing', 'http://jabber.org/protocol/chatstates'));
    assert.equal(copied[1]!.getChildText('body'), 'normal with body');
    assert.ok(copied[2]!.getChild('received', 'urn:xmpp:receipts'));
  });

  it('makes no copies of a message marked <private/> with <no-copy/>, and delivers it unchanged (§9)', async () => {
    const marks = (): Element[] => [xml('private', { xmlns: CARBONS }), xml('no-copy', { xmlns: 'urn:xmpp:hints' })];
    a.send(chat('bob@localhost', 'secret out', 'chat', ...marks()));
    const [gotBob, gotB] = await settle(a, bob, b);
    assert.equal(gotBob!.length, 1);
    assert.ok(gotBob![0]!.getChild('private', CARBONS), 'the element is not removed (§9, interoperability note)');
    assert.deepEqual(gotB, []);

    bob.send(chat('alice@localhost/c', 'secret in', 'chat', ...marks()));
    const [gotA, gotB2, gotC] = await settle(bob, a, b, c);
    assert.deepEqual(gotA, []);
    assert.deepEqual(gotB2, []);
    assert.equal(gotC!.length, 1);
  });

  it('gives each resource one copy at most of a message between two of the account\'s resources', async () => {
    c.send(chat('alice@localhost/a', 'note to self'));
    const [gotA, gotB, gotC] = await settle(c, a, b, c);
    assert.deepEqual(gotC, [], 'the sender');
    assert.deepEqual(gotA!.map((m) => m.getChildText('body')), ['note to self'], 'the addressee: the message, no copy');
    assert.equal(gotB!.length, 1, 'the other enabled resource: one <sent/> copy');
    assert.equal(carried(gotB![0]!, 'sent', 'alice@localhost/b').attrs.to, 'alice@localhost/a');
  });

  it('copies to an enabled resource that has not sent presence yet what another resource got, and what the account sends (§7, §8)', async () => {
    const d = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(d);
    await d.login('alice', 'pw-alice', 'd');
    assert.equal((await toggle(d, 'enable')).attrs.type, 'result');
    bob.send(chat('alice@localhost/c', 'while d is not available'));
    const [gotD, gotA] = await settle(bob, d, a, b, c);
    assert.equal(carried(gotD![0]!, 'received', 'alice@localhost/d').getChildText('body'), 'while d is not available');
    assert.equal(gotA!.length, 1, 'an available enabled resource gets a copy too');
    c.send(chat('bob@localhost', 'sent while d is not available'));
    const [gotD2] = await settle(c, d, bob, a, b);
    assert.equal(carried(gotD2![0]!, 'sent', 'alice@localhost/d').getChildText('body'), 'sent while d is not available');
    await d.close();
  });

  it('gives no copy of a message stored offline: the resource gets it once, at its initial presence (XEP-0160)', async () => {
    await ts.addUser('carol@localhost', 'pw-carol');
    const x = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(x);
    await x.login('carol', 'pw-carol', 'x');
    assert.equal((await toggle(x, 'enable')).attrs.type, 'result');
    bob.send(chat('carol@localhost', 'for later'));
    const [gotX] = await settle(bob, x);
    assert.deepEqual(gotX, [], 'nobody received it: no copy');
    x.send(xml('presence'));
    const later = messages(await receivedBeforePing(x));
    assert.deepEqual(later.map((m) => [m.getChild('received', CARBONS) !== undefined, m.getChildText('body')]), [[false, 'for later']]);
    await x.close();
  });

  it('refuses a message carrying a carbon from a client with not-allowed, delivering nothing (§11)', async () => {
    for (const kind of ['received', 'sent']) {
      const forged = xml('message', { to: 'bob@localhost', type: 'chat', id: `forged-${kind}` },
        xml(kind, { xmlns: CARBONS }, xml('forwarded', { xmlns: FORWARD }, xml('message', { xmlns: 'jabber:client', from: 'carol@localhost/x', to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'trust me')))));
      c.send(forged);
      const [gotC, gotBob, gotA] = await settle(c, c, bob, a);
      assert.equal(gotC!.length, 1);
      assert.equal(gotC![0]!.attrs.type, 'error');
      assert.equal(gotC![0]!.attrs.id, `forged-${kind}`);
      assert.equal(errorCondition(gotC![0]!), 'not-allowed');
      assert.deepEqual(gotBob, []);
      assert.deepEqual(gotA, []);
    }
  });

  it('stops copying to a resource that disabled carbons (§5)', async () => {
    assert.equal((await toggle(b, 'disable')).attrs.type, 'result');
    assert.equal((await toggle(b, 'disable')).attrs.type, 'result', 'a repeated disable is no error (§10.1)');
    bob.send(chat('alice@localhost/c', 'after disable'));
    const [gotA, gotB] = await settle(bob, a, b);
    assert.equal(gotA!.length, 1);
    assert.deepEqual(gotB, []);
    assert.equal((await toggle(b, 'enable')).attrs.type, 'result');
    bob.send(chat('alice@localhost/c', 'enabled again'));
    const [, gotB2] = await settle(bob, a, b);
    assert.equal(carried(gotB2![0]!, 'received', 'alice@localhost/b').getChildText('body'), 'enabled again');
  });
});
