// Presence over real sockets (RFC 6121 §4): broadcasts to subscribers and own resources, probes,
// updates, unavailable on logout and on disconnect, directed presence. Subscriptions are set
// straight in storage, so these tests do not depend on the roster module's subscription flow.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import type { Subscription } from '../../src/storage/types.js';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** A logged-in client that keeps every element it receives, so that order never loses one. */
class Peer {
  readonly seen: Element[] = [];
  constructor(readonly client: RawClient, readonly jid: string) {}

  get bare(): string {
    return this.jid.split('/')[0]!;
  }

  send(el: Element): void {
    this.client.send(el);
  }

  async until(match: (el: Element) => boolean, timeoutMs = 5000): Promise<Element> {
    const found = this.seen.find(match);
    if (found) return found;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const el = await this.client.next(Math.max(1, deadline - Date.now()));
      if (!el) throw new Error(`${this.jid}: connection closed`);
      this.seen.push(el);
      if (match(el)) return el;
    }
  }

  /** Collects whatever arrives in the next `ms` milliseconds (for "nothing else arrived" checks). */
  async settle(ms = 300): Promise<Element[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return this.seen;
      try {
        const el = await this.client.next(left);
        if (!el) return this.seen;
        this.seen.push(el);
      } catch {
        return this.seen;
      }
    }
  }

  presences(from: string, type?: string): Element[] {
    return this.seen.filter((e) => e.name === 'presence' && e.attrs.from === from && e.attrs.type === type);
  }
}

const isPresence = (from: string, type?: string) => (e: Element): boolean =>
  e.name === 'presence' && e.attrs.from === from && e.attrs.type === type;

describe('presence (RFC 6121 §4)', () => {
  let ts: TestServer;
  let world = 0;
  const peers: Peer[] = [];

  before(async () => {
    // Only the module under test, so that other modules' rules (blocking, offline storage,
    // the roster's subscription flow) do not blur what these tests check.
    ts = await startTestServer((c) => {
      c.modules = { presence: {} };
      c.hosts['example.test'] = { tls: {} };
    });
  });
  afterEach(() => {
    for (const p of peers.splice(0)) p.client.destroy();
  });
  after(() => ts.stop());

  /**
   * Fresh accounts for one test, with consistent rosters on both sides:
   * alice-bob both; carol subscribed to alice (alice: from); alice subscribed to dave (alice: to);
   * erin in alice's roster with none; mallory a stranger.
   */
  async function setup(): Promise<(name: string) => string> {
    const prefix = `w${++world}`;
    const bare = (name: string): string => `${prefix}${name}@localhost`;
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'mallory']) await ts.addUser(bare(name), 'pw');
    const roster = ts.server.storage.roster;
    const set = (owner: string, contact: string, subscription: Subscription): Promise<number> =>
      roster.setItem('localhost', `${prefix}${owner}`, { jid: bare(contact), subscription, ask: false, approved: false, groups: [] });
    await set('alice', 'bob', 'both');
    await set('bob', 'alice', 'both');
    await set('alice', 'carol', 'from');
    await set('carol', 'alice', 'to');
    await set('alice', 'dave', 'to');
    await set('dave', 'alice', 'from');
    await set('alice', 'erin', 'none');
    await set('erin', 'alice', 'none');
    return bare;
  }

  /** Logs in; with `presence`, sends it as initial presence and waits for its echo (§4.2.2). */
  async function online(bare: string, resource: string, presence?: Element): Promise<Peer> {
    const domain = bare.split('@')[1]!;
    const client = await RawClient.connect({ port: ts.c2sPort, domain, ca: await ts.ca(domain) });
    const jid = await client.login(bare.split('@')[0]!, 'pw', resource);
    const peer = new Peer(client, jid);
    peers.push(peer);
    if (presence) {
      peer.send(presence);
      await peer.until((e) => isPresence(jid)(e) && e.attrs.to === jid);
    }
    return peer;
  }

  const available = (children: Element[] = []): Element => xml('presence', {}, ...children);
  const status = (text: string): Element => xml('status', {}, text);

  it('broadcasts initial presence to from/both contacts\' available resources only, negative priority included (§4.2.2, §4.2.3)', async () => {
    const u = await setup();
    const bobA = await online(u('bob'), 'a', available());
    const bobB = await online(u('bob'), 'b', available([xml('priority', {}, '-1')]));
    const bobIdle = await online(u('bob'), 'idle');
    const carol = await online(u('carol'), 'c', available());
    const dave = await online(u('dave'), 'd', available());
    const erin = await online(u('erin'), 'e', available());
    const alice = await online(u('alice'), 'home', available([status('here')]));
    for (const p of [bobA, bobB, carol]) {
      const got = await p.until(isPresence(alice.jid));
      assert.equal(got.attrs.to, p.bare);
      assert.equal(got.getChildText('status'), 'here');
    }
    for (const p of [bobIdle, dave, erin]) {
      await p.settle();
      assert.deepEqual(p.presences(alice.jid), [], `${p.jid} must not get alice's presence`);
    }
  });

  it('echoes initial presence to the sender and exchanges presence with the user\'s other resources (§4.2.2)', async () => {
    const u = await setup();
    const work = await online(u('alice'), 'work', available([status('at work'), xml('priority', {}, '-5')]));
    const home = await online(u('alice'), 'home', available([status('at home')]));
    const echo = home.presences(home.jid)[0]!;
    assert.equal(echo.attrs.to, home.jid);
    assert.equal(echo.getChildText('status'), 'at home');
    const fromWork = await home.until(isPresence(work.jid));
    assert.equal(fromWork.attrs.to, home.jid);
    assert.equal(fromWork.getChildText('status'), 'at work');
    const atWork = await work.until(isPresence(home.jid));
    assert.equal(atWork.attrs.to, work.jid);
    assert.equal(atWork.getChildText('status'), 'at home');
  });

  it('answers probes at initial presence with each available resource\'s presence of to/both contacts only (§4.3)', async () => {
    const u = await setup();
    const dave1 = await online(u('dave'), 'one', available([status('d1')]));
    const dave2 = await online(u('dave'), 'two', available([xml('show', {}, 'away')]));
    const daveIdle = await online(u('dave'), 'idle');
    const bob = await online(u('bob'), 'b', available([status('bob here')]));
    const carol = await online(u('carol'), 'c', available());
    const erin = await online(u('erin'), 'e', available());
    const alice = await online(u('alice'), 'home', available());
    const one = await alice.until(isPresence(dave1.jid));
    assert.equal(one.attrs.to, alice.jid);
    assert.equal(one.getChildText('status'), 'd1');
    assert.equal((await alice.until(isPresence(dave2.jid))).getChildText('show'), 'away');
    assert.equal((await alice.until(isPresence(bob.jid))).getChildText('status'), 'bob here');
    await alice.settle();
    for (const p of [carol, erin, daveIdle]) assert.deepEqual(alice.presences(p.jid), [], `no presence of ${p.jid}`);
    // Probes are answered by the server and never reach a client (§4.3.2).
    for (const p of [dave1, dave2, daveIdle, bob, carol, erin]) {
      await p.settle(50);
      assert.ok(!p.seen.some((e) => e.attrs.type === 'probe'), `${p.jid} saw a probe`);
    }
  });

  it('broadcasts subsequent presence to subscribers and own resources, without probing again (§4.4)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const dave = await online(u('dave'), 'd', available());
    const alice = await online(u('alice'), 'home', available());
    await alice.until(isPresence(bob.jid));
    await alice.until(isPresence(dave.jid));
    await bob.until(isPresence(alice.jid));
    alice.send(available([xml('show', {}, 'dnd'), status('busy')]));
    const update = await bob.until((e) => isPresence(alice.jid)(e) && e.getChildText('show') === 'dnd');
    assert.equal(update.getChildText('status'), 'busy');
    await alice.until((e) => isPresence(alice.jid)(e) && e.getChildText('show') === 'dnd');
    await alice.settle();
    assert.equal(alice.presences(bob.jid).length, 1, 'bob\'s presence was not sent again');
    assert.equal(alice.presences(dave.jid).length, 1, 'dave was not probed again');
    await dave.settle(50);
    assert.deepEqual(dave.presences(alice.jid), []);
  });

  it('broadcasts explicit unavailable presence with its status to subscribers, own resources and directed-presence targets (§4.5, §4.6.3)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const carol = await online(u('carol'), 'c', available());
    const erin = await online(u('erin'), 'e', available());
    const mallory = await online(u('mallory'), 'm', available());
    const work = await online(u('alice'), 'work', available());
    const home = await online(u('alice'), 'home', available());
    home.send(xml('presence', { to: mallory.jid }, status('psst')));
    assert.equal((await mallory.until(isPresence(home.jid))).getChildText('status'), 'psst');
    home.send(xml('presence', { type: 'unavailable' }, status('gone')));
    for (const p of [bob, carol, work, mallory]) {
      const got = await p.until(isPresence(home.jid, 'unavailable'));
      assert.equal(got.getChildText('status'), 'gone', `status for ${p.jid}`);
    }
    await erin.settle();
    assert.deepEqual(erin.presences(home.jid, 'unavailable'), []);
  });

  it('broadcasts unavailable when an available session disconnects, once per entity (§4.5.2, §4.6.3)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const mallory = await online(u('mallory'), 'm', available());
    const work = await online(u('alice'), 'work', available());
    const home = await online(u('alice'), 'home', available());
    // Directed presence to a stranger's full JID and to a contact that the broadcast covers.
    home.send(xml('presence', { to: mallory.jid }));
    home.send(xml('presence', { to: bob.bare }));
    await mallory.until(isPresence(home.jid));
    home.client.destroy();
    for (const p of [bob, mallory, work]) {
      const got = await p.until(isPresence(home.jid, 'unavailable'));
      assert.equal(got.attrs.from, home.jid);
    }
    await bob.settle();
    assert.equal(bob.presences(home.jid, 'unavailable').length, 1);
  });

  it('forgets a directed-presence target after directed unavailable (§4.6.3)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const mallory = await online(u('mallory'), 'm', available());
    const alice = await online(u('alice'), 'home', available());
    alice.send(xml('presence', { to: mallory.bare }));
    alice.send(xml('presence', { to: mallory.bare, type: 'unavailable' }));
    await mallory.until(isPresence(alice.jid, 'unavailable'));
    alice.client.destroy();
    await bob.until(isPresence(alice.jid, 'unavailable'));
    await mallory.settle();
    assert.equal(mallory.presences(alice.jid, 'unavailable').length, 1);
  });

  it('tells entities that got directed presence from a session that never went available when it ends (§4.6, RFC 3921 §5.1.4)', async () => {
    const u = await setup();
    const mallory = await online(u('mallory'), 'm', available());
    const bob = await online(u('bob'), 'b', available());
    const carol = await online(u('carol'), 'c', available());
    const alice = await online(u('alice'), 'bot');
    // Directed presence only, as a bot joining a chat room does: to a stranger and to a subscriber.
    alice.send(xml('presence', { to: mallory.jid }));
    alice.send(xml('presence', { to: bob.bare }));
    await mallory.until(isPresence(alice.jid));
    await bob.until(isPresence(alice.jid));
    alice.client.destroy();
    await mallory.until(isPresence(alice.jid, 'unavailable'));
    await bob.until(isPresence(alice.jid, 'unavailable'));
    // A subscriber that got nothing from this session hears nothing of its end.
    await carol.settle();
    assert.deepEqual(carol.presences(alice.jid, 'unavailable'), []);
  });

  it('answers a subscriber\'s probe with current presence, or unavailable when offline; never delivers it (§4.3.2)', async () => {
    const u = await setup();
    const bob = await online(u('bob'), 'b', available());
    const alice = await online(u('alice'), 'home', available([status('hello')]));
    await bob.until(isPresence(alice.jid));
    bob.seen.length = 0;
    bob.send(xml('presence', { to: alice.bare, type: 'probe' }));
    const answer = await bob.until(isPresence(alice.jid));
    assert.equal(answer.attrs.to, bob.jid);
    assert.equal(answer.getChildText('status'), 'hello');
    // A probe to a full JID is answered the same way.
    bob.seen.length = 0;
    bob.send(xml('presence', { to: alice.jid, type: 'probe' }));
    await bob.until(isPresence(alice.jid));
    await alice.settle(100);
    assert.ok(!alice.seen.some((e) => e.attrs.type === 'probe'), 'the probe reached the client');
    alice.client.destroy();
    await bob.until(isPresence(alice.jid, 'unavailable'));
    bob.send(xml('presence', { to: alice.bare, type: 'probe' }));
    const offline = await bob.until(isPresence(alice.bare, 'unavailable'));
    assert.equal(offline.attrs.to, bob.jid);
  });

  it('reveals no presence to a probe from a non-subscriber (§4.3.2 step 1)', async () => {
    const u = await setup();
    const erin = await online(u('erin'), 'e', available());
    const mallory = await online(u('mallory'), 'm', available());
    const alice = await online(u('alice'), 'home', available());
    for (const p of [erin, mallory]) {
      p.send(xml('presence', { to: alice.bare, type: 'probe' }));
      p.send(xml('presence', { to: alice.jid, type: 'probe' }));
    }
    for (const p of [erin, mallory]) {
      await p.settle();
      const leaked = p.seen.filter((e) => e.name === 'presence' && (e.attrs.from === alice.jid || (e.attrs.from === alice.bare && e.attrs.type !== 'unsubscribed')));
      assert.deepEqual(leaked, [], `${p.jid} learnt alice's presence`);
    }
    await alice.settle(50);
    assert.ok(!alice.seen.some((e) => e.attrs.type === 'probe'));
  });

  it('drops presence to an account without available resources, existing or not, silently (§8.5.2.2.1, §8.5.1)', async () => {
    const u = await setup();
    const erinIdle = await online(u('erin'), 'idle');
    const alice = await online(u('alice'), 'home', available());
    alice.send(xml('presence', { to: u('erin'), id: 'to-offline' }));
    alice.send(xml('presence', { to: u('nobody'), id: 'to-nobody' }));
    alice.send(xml('presence', { to: u('erin'), type: 'unavailable', id: 'to-offline-2' }));
    await alice.settle();
    assert.ok(!alice.seen.some((e) => typeof e.attrs.id === 'string' && e.attrs.id.startsWith('to-')), 'no error came back');
    await erinIdle.settle(50);
    assert.ok(!erinIdle.seen.some((e) => e.name === 'presence'), 'a resource without initial presence gets none');
  });

  it('delivers a presence error to the resource it is addressed to (§8.5.3.1)', async () => {
    const u = await setup();
    const mallory = await online(u('mallory'), 'm', available());
    const alice = await online(u('alice'), 'home', available());
    mallory.send(xml('presence', { to: alice.jid, type: 'error', id: 'perr' }, xml('error', { type: 'cancel' }, xml('remote-server-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))));
    const err = await alice.until((e) => e.attrs.id === 'perr');
    assert.equal(err.attrs.type, 'error');
    assert.equal(err.attrs.from, mallory.jid);
  });

  it('broadcasts to and probes a contact on another local host through the router (§4.2.2, §4.3.1)', async () => {
    const u = await setup();
    const aliceLocal = u('alice').split('@')[0]!;
    const zoeLocal = u('zoe').split('@')[0]!;
    const zoeBare = `${zoeLocal}@example.test`;
    await ts.addUser(zoeBare, 'pw');
    const item = (jid: string) => ({ jid, subscription: 'both' as const, ask: false, approved: false, groups: [] });
    await ts.server.storage.roster.setItem('localhost', aliceLocal, item(zoeBare));
    await ts.server.storage.roster.setItem('example.test', zoeLocal, item(u('alice')));
    const zoe = await online(zoeBare, 'z', available([status('elsewhere')]));
    const alice = await online(u('alice'), 'home', available());
    const fromZoe = await alice.until(isPresence(zoe.jid));
    // The probe went from alice's bare JID, so the answer comes to it (§4.3.2).
    assert.equal(fromZoe.attrs.to, alice.bare);
    assert.equal(fromZoe.getChildText('status'), 'elsewhere');
    assert.equal((await zoe.until(isPresence(alice.jid))).attrs.to, zoe.bare);
    await zoe.settle(100);
    assert.ok(!zoe.seen.some((e) => e.attrs.type === 'probe'));
  });

  it('probes again on initial presence after unavailable (§4.2.1)', async () => {
    const u = await setup();
    const dave = await online(u('dave'), 'd', available());
    const alice = await online(u('alice'), 'home', available());
    await alice.until(isPresence(dave.jid));
    alice.send(xml('presence', { type: 'unavailable' }));
    alice.send(available());
    await alice.until((e) => isPresence(dave.jid)(e) && e !== alice.presences(dave.jid)[0]);
    assert.equal(alice.presences(dave.jid).length, 2);
  });
});
