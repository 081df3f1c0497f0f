// Offline messages over real sockets with SQLite storage (XEP-0160): storage when no resource is
// available, delivery on non-negative available presence with delay stamps (XEP-0203) and stanza
// ids (XEP-0359), hints (XEP-0334), the per-account quota, restarts and concurrent logins.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml, { type Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from '../support/server.js';

const QUOTA = 3;
const withQuota: ConfigChange = (c) => {
  c.modules = { ...c.modules, offline: { max_messages: QUOTA } };
};

let seq = 0;

/**
 * Sends a ping to the server and returns every element that arrived before its answer. Each
 * stream handles its stanzas in order, so this catches anything caused by earlier stanzas.
 */
async function drain(c: RawClient): Promise<Element[]> {
  const id = `drain${++seq}`;
  c.send(xml('iq', { type: 'get', id, to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  const seen: Element[] = [];
  for (;;) {
    const el = await c.next();
    if (!el) throw new Error('connection closed');
    if (el.name === 'iq' && el.attrs.id === id) return seen;
    seen.push(el);
  }
}

const messages = (els: Element[]): Element[] => els.filter((e) => e.name === 'message');

function chat(to: string, id: string, body: string, type = 'chat', ...extra: Element[]): Element {
  return xml('message', type === 'normal' ? { to, id } : { to, id, type }, xml('body', {}, body), ...extra);
}

function presence(priority?: number): Element {
  return priority === undefined ? xml('presence') : xml('presence', {}, xml('priority', {}, String(priority)));
}

describe('offline messages (XEP-0160)', () => {
  let ts: TestServer;
  let ca: string;
  let alice: RawClient;
  const clients: RawClient[] = [];

  async function login(user: string, resource: string, server = ts): Promise<RawClient> {
    const c = await RawClient.connect({ port: server.c2sPort, ca: server === ts ? ca : await server.ca() });
    clients.push(c);
    await c.login(user, `pw-${user}`, resource);
    return c;
  }

  async function addUsers(...users: string[]): Promise<void> {
    for (const u of users) await ts.addUser(`${u}@localhost`, `pw-${u}`);
  }

  /** Sends stanzas from alice and returns what came back to her (bounces). */
  async function fromAlice(...stanzas: Element[]): Promise<Element[]> {
    for (const s of stanzas) alice.send(s);
    return drain(alice);
  }

  const stored = (user: string): Promise<number> => ts.server.storage.offline.count('localhost', user);

  before(async () => {
    ts = await startTestServer(withQuota);
    ca = await ts.ca();
    await addUsers('alice');
    alice = await login('alice', 'home');
    alice.send(presence());
    await drain(alice);
  });
  after(async () => {
    // Closing cleanly lets the server finish each session's work before its storage closes.
    await Promise.all(clients.map((c) => c.close()));
    await ts.stop();
  });

  it('advertises msgoffline on the server (XEP-0160 §4)', async () => {
    const res = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = res.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    assert.ok(features.includes('msgoffline'));
  });

  it('stores messages for an account that never logged in and delivers them in order, stamped, on initial presence (XEP-0160 §2, XEP-0203, XEP-0359)', async () => {
    await addUsers('bob');
    const before = Date.now();
    const forged = xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', id: 'forged', by: 'bob@localhost' });
    const bounced = await fromAlice(chat('bob@localhost', 'b1', 'one'), chat('bob@localhost', 'b2', 'two', 'normal'), chat('bob@localhost', 'b3', 'three', 'chat', forged));
    assert.deepEqual(bounced, [], 'nothing bounced to the sender');
    assert.equal(await stored('bob'), 3);

    const bob = await login('bob', 'laptop');
    assert.deepEqual(messages(await drain(bob)), [], 'nothing delivered before initial presence');
    bob.send(presence());
    const got = messages(await drain(bob));
    assert.deepEqual(got.map((m) => m.attrs.id), ['b1', 'b2', 'b3']);
    assert.deepEqual(got.map((m) => m.getChildText('body')), ['one', 'two', 'three']);
    const ids = new Set<string>();
    for (const m of got) {
      assert.equal(m.attrs.from, 'alice@localhost/home');
      assert.equal(m.attrs.to, 'bob@localhost');
      const delays = m.getChildren('delay', 'urn:xmpp:delay');
      assert.equal(delays.length, 1);
      assert.equal(delays[0]!.attrs.from, 'localhost');
      const stamp = delays[0]!.attrs.stamp as string;
      assert.match(stamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Date.parse(stamp) >= before - 1000 && Date.parse(stamp) <= Date.now());
      const sids = m.getChildren('stanza-id', 'urn:xmpp:sid:0');
      assert.equal(sids.length, 1, 'exactly one stanza-id by the account (XEP-0359 §3)');
      assert.equal(sids[0]!.attrs.by, 'bob@localhost');
      assert.notEqual(sids[0]!.attrs.id, 'forged');
      ids.add(sids[0]!.attrs.id as string);
    }
    assert.equal(ids.size, 3, 'stanza ids are unique');
    assert.equal(await stored('bob'), 0, 'delivered messages are removed');

    // A second resource coming online later gets nothing: they were delivered once.
    const bob2 = await login('bob', 'phone');
    bob2.send(presence());
    assert.deepEqual(messages(await drain(bob2)), []);
  });

  it('delivers directly, without storing, while a resource is available (RFC 6121 §8.5.2.1)', async () => {
    await addUsers('ivy');
    const ivy = await login('ivy', 'desk');
    ivy.send(presence());
    await drain(ivy);
    assert.deepEqual(await fromAlice(chat('ivy@localhost', 'i1', 'live')), []);
    const [m] = messages(await drain(ivy));
    assert.equal(m?.attrs.id, 'i1');
    assert.equal(m?.getChild('delay', 'urn:xmpp:delay'), undefined);
    assert.equal(await stored('ivy'), 0);
  });

  it('keeps messages from a resource with negative priority, and delivers when it turns non-negative (XEP-0160 §2, RFC 6121 §8.5.2.1)', async () => {
    await addUsers('carol');
    assert.deepEqual(await fromAlice(chat('carol@localhost', 'c1', 'first')), []);
    const carol = await login('carol', 'pager');
    carol.send(presence(-1));
    assert.deepEqual(messages(await drain(carol)), [], 'not delivered to a negative priority');
    // Still no resource that receives bare-JID messages: stored too.
    assert.deepEqual(await fromAlice(chat('carol@localhost', 'c2', 'second')), []);
    assert.deepEqual(messages(await drain(carol)), []);
    assert.equal(await stored('carol'), 2);
    carol.send(presence(0));
    assert.deepEqual(messages(await drain(carol)).map((m) => m.attrs.id), ['c1', 'c2']);
    assert.equal(await stored('carol'), 0);
  });

  it('does not store headline, groupchat or error messages; groupchat bounces (XEP-0160 §3, RFC 6121 §8.5.2.2.1)', async () => {
    await addUsers('dave');
    const back = await fromAlice(
      chat('dave@localhost', 'd-headline', 'news', 'headline'),
      chat('dave@localhost', 'd-groupchat', 'room', 'groupchat'),
      xml('message', { to: 'dave@localhost', id: 'd-error', type: 'error' }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))),
    );
    assert.deepEqual(back.map((e) => [e.attrs.id, errorCondition(e)]), [['d-groupchat', 'service-unavailable']]);
    assert.equal(await stored('dave'), 0);
  });

  it('does not store a message with the no-store hint, nor a chat-state-only one: the sender gets service-unavailable (XEP-0334 §4.2, XEP-0160 §3, RFC 6121 §8.5.2.2.1)', async () => {
    await addUsers('erin');
    const back = await fromAlice(
      chat('erin@localhost', 'e-nostore', 'secret', 'chat', xml('no-store', { xmlns: 'urn:xmpp:hints' })),
      xml('message', { to: 'erin@localhost', id: 'e-state', type: 'chat' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })),
    );
    assert.deepEqual(back.map((e) => [e.attrs.id, errorCondition(e)]), [['e-nostore', 'service-unavailable'], ['e-state', 'service-unavailable']]);
    assert.equal(await stored('erin'), 0);
  });

  it('stores a headline carrying the store hint (XEP-0334 §4.4)', async () => {
    await addUsers('hugo');
    assert.deepEqual(await fromAlice(chat('hugo@localhost', 'h1', 'keep me', 'headline', xml('store', { xmlns: 'urn:xmpp:hints' }))), []);
    const hugo = await login('hugo', 'r');
    hugo.send(presence());
    assert.deepEqual(messages(await drain(hugo)).map((m) => m.attrs.id), ['h1']);
  });

  it('bounces with service-unavailable and stores nothing more once the quota is full (XEP-0160 §2, RFC 6121 §8.5.2.2.1)', async () => {
    await addUsers('fay');
    const sent = Array.from({ length: QUOTA + 1 }, (_, i) => chat('fay@localhost', `f${i + 1}`, `n${i + 1}`));
    const back = await fromAlice(...sent);
    assert.deepEqual(back.map((e) => [e.attrs.id, e.attrs.type, errorCondition(e)]), [[`f${QUOTA + 1}`, 'error', 'service-unavailable']]);
    assert.equal(back[0]!.attrs.from, 'fay@localhost');
    assert.deepEqual(back[0]!.getChildren('stanza-id', 'urn:xmpp:sid:0'), [], "the bounce does not tell fay's archive id (XEP-0313 §3.5)");
    assert.equal(await stored('fay'), QUOTA);
    const fay = await login('fay', 'r');
    fay.send(presence(1));
    assert.deepEqual(messages(await drain(fay)).map((m) => m.attrs.id), ['f1', 'f2', 'f3']);
  });

  it('stores a chat message to a resource that is not online when no resource is available; a normal one bounces (RFC 6121 §8.5.3.2.1)', async () => {
    await addUsers('gus');
    const back = await fromAlice(chat('gus@localhost/phone', 'g1', 'to the phone'), chat('gus@localhost/phone', 'g2', 'normal', 'normal'));
    assert.deepEqual(back.map((e) => [e.attrs.id, errorCondition(e)]), [['g2', 'service-unavailable']]);
    const gus = await login('gus', 'laptop');
    gus.send(presence());
    const got = messages(await drain(gus));
    assert.deepEqual(got.map((m) => [m.attrs.id, m.attrs.to]), [['g1', 'gus@localhost/phone']]);
    assert.ok(got[0]!.getChild('delay', 'urn:xmpp:delay'));
    // With a resource available, a chat message to another, offline resource goes to it directly.
    assert.deepEqual(await fromAlice(chat('gus@localhost/phone', 'g3', 'again')), []);
    const [direct] = messages(await drain(gus));
    assert.equal(direct?.attrs.id, 'g3');
    assert.equal(direct?.getChild('delay', 'urn:xmpp:delay'), undefined);
  });

  it('leaves a message to an unknown account to core: service-unavailable, nothing stored (RFC 6121 §8.5.1)', async () => {
    const back = await fromAlice(chat('nobody@localhost', 'x1', 'hello?'));
    assert.deepEqual(back.map((e) => [e.attrs.id, errorCondition(e)]), [['x1', 'service-unavailable']]);
    assert.equal(await stored('nobody'), 0);
  });

  it('hands each message to exactly one of two resources sending initial presence at once (XEP-0160 §2)', async () => {
    await addUsers('kim');
    assert.deepEqual(await fromAlice(chat('kim@localhost', 'k1', '1'), chat('kim@localhost', 'k2', '2'), chat('kim@localhost', 'k3', '3')), []);
    const [a, b] = await Promise.all([login('kim', 'a'), login('kim', 'b')]);
    a!.send(presence());
    b!.send(presence());
    const [gotA, gotB] = await Promise.all([drain(a!), drain(b!)]);
    const ids = [...messages(gotA), ...messages(gotB)].map((m) => m.attrs.id as string);
    assert.deepEqual(ids.sort(), ['k1', 'k2', 'k3']);
    // One delivery run hands over everything, so one resource got them all, in order.
    const winner = messages(gotA).length > 0 ? gotA : gotB;
    assert.deepEqual(messages(winner).map((m) => m.attrs.id), ['k1', 'k2', 'k3']);
    assert.equal(await stored('kim'), 0);
  });

  it('stores every message a client sent just before closing its stream, answering its IQ first (RFC 6120 §4.4)', async () => {
    await addUsers('vera', 'walt');
    const vera = await login('vera', 'leaving');
    // One write: the later stanzas wait in the stream's queue while the first is being stored.
    vera.write(['c1', 'c2', 'c3'].map((id) => chat('walt@localhost', id, id).toString()).join('') +
      "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq></stream:stream>");
    assert.equal((await vera.expect((e) => e.name === 'iq' && e.attrs.id === 'r1')).attrs.type, 'result');
    assert.equal((await vera.next())?.name, 'stream-end');
    await vera.closed;
    const walt = await login('walt', 'back');
    walt.send(presence());
    assert.deepEqual(messages(await drain(walt)).map((m) => m.attrs.id), ['c1', 'c2', 'c3']);
  });

  it('keeps stored messages across a server restart (XEP-0160 §2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'starling-offline-'));
    let first: TestServer | undefined;
    let second: TestServer | undefined;
    try {
      first = await startTestServer(withQuota, { dataDir: dir });
      await first.addUser('alice@localhost', 'pw-alice');
      await first.addUser('lee@localhost', 'pw-lee');
      const sender = await login('alice', 'home', first);
      sender.send(chat('lee@localhost', 'l1', 'before restart'));
      assert.deepEqual(await drain(sender), []);
      sender.destroy();
      await first.stop();
      first = undefined;

      second = await startTestServer(withQuota, { dataDir: dir });
      const lee = await login('lee', 'r', second);
      lee.send(presence());
      const got = messages(await drain(lee));
      assert.deepEqual(got.map((m) => [m.attrs.id, m.getChildText('body'), m.attrs.from]), [['l1', 'before restart', 'alice@localhost/home']]);
      assert.ok(got[0]!.getChild('delay', 'urn:xmpp:delay'));
      lee.destroy();
    } finally {
      await first?.stop();
      await second?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
