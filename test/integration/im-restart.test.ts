// The IM state of accounts survives a server restart on the same data folder (SQLite): rosters
// with names, groups, subscription states and pending requests both ways (RFC 6121 §2, §3), the
// roster version and its change history (RFC 6121 §2.6, XEP-0237), vCards (XEP-0054), private
// XML (XEP-0049), blocklists (XEP-0191) and offline messages (XEP-0160, XEP-0203).
//
// The state is built through the protocol only (test/support/im-state.ts), with the default
// modules, on a first server, which is then stopped with some clients still connected (they get
// system-shutdown). A second server is started on the same folder, and every test below reads
// the state back through the protocol. Tests that change the state (delivering the offline
// messages, answering a request) come last and say so.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import {
  ALICE, BOB, buildState, CAROL, chat, DAVE, ERIN, expectResult, MALLORY, NS_BLOCKING, NS_PRIVATE, NS_VCARD,
  presence, roster, USERS, wireItem, type Before, type WireItem,
} from '../support/im-state.js';
import { isPresence } from '../support/presence.js';
import { isPush, NS_ROSTER } from '../support/roster-push.js';
import { Peer } from '../support/peer.js';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const NS_DELAY = 'urn:xmpp:delay';
const NS_SID = 'urn:xmpp:sid:0';

describe('IM state across a server restart (RFC 6121 §2, §3; XEP-0237, XEP-0054, XEP-0049, XEP-0191, XEP-0160)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let first: TestServer | undefined;
  let ts: TestServer;
  let ca: string;
  let snap: Before & { stoppedAt: number };
  const open: RawClient[] = [];

  async function login(server: TestServer, user: string, resource: string, opts: { roster?: boolean; available?: boolean } = {}): Promise<Peer> {
    const c = await RawClient.connect({ port: server.c2sPort, ca });
    open.push(c);
    const p = new Peer(c, await c.login(user, `pw-${user}`, resource));
    // A roster get makes the resource "interested" in roster pushes (RFC 6121 §2.2).
    if (opts.roster ?? true) await roster(p);
    if (opts.available ?? true) {
      p.send(xml('presence'));
      await p.take(isPresence(p.jid)); // its own presence, back from the broadcast (§4.2.2)
    }
    return p;
  }

  /** Closes the clients that are still open, cleanly, each within a bounded time. */
  async function closeAll(): Promise<void> {
    const clients = open.splice(0);
    await Promise.all(clients.map((c) => Promise.race([c.close(), new Promise<void>((r) => setTimeout(r, 2000))])));
    for (const c of clients) c.destroy();
  }

  before(async function () {
    this.timeout(60_000);
    dataDir = await mkdtemp(join(tmpdir(), 'starling-im-restart-'));
    first = await startTestServer(undefined, { dataDir });
    for (const u of USERS) await first.addUser(`${u}@localhost`, `pw-${u}`);
    ca = await first.ca();
    const s1 = first;

    snap = { ...(await buildState(s1, login)), stoppedAt: 0 };

    // Stop with alice, carol and dave still connected: the server closes their streams.
    snap.stoppedAt = Date.now();
    await s1.stop();
    first = undefined;
    await closeAll();

    ts = await startTestServer(undefined, { dataDir });
    ca = await ts.ca();
  });

  afterEach(closeAll);
  after(async () => {
    await closeAll();
    await first?.stop();
    await ts?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('returns alice\'s roster unchanged after the restart: items, names, groups, subscription states and ask (RFC 6121 §2.1.2, §2.1.3)', async () => {
    const alice = await login(ts, 'alice', 'home', { roster: false, available: false });
    const got = await roster(alice);
    assert.deepEqual(got.items, snap.aliceRoster.items);
    assert.deepEqual(got.items, [
      { jid: BOB, subscription: 'both', ask: null, name: 'Bob', groups: ['Friends', 'Work'] },
      { jid: ERIN, subscription: 'none', ask: 'subscribe', name: 'Erin', groups: [] },
    ], 'the state built before the restart (requests alice has not answered, from carol and dave, are kept apart from her roster by this server)');
  });

  it('keeps the roster version: the same \'ver\', and an unchanged answer to a get with it (RFC 6121 §2.6.3; XEP-0237 §2.4)', async () => {
    const alice = await login(ts, 'alice', 'home', { roster: false, available: false });
    const got = await roster(alice);
    assert.equal(got.ver, snap.aliceRoster.ver);
    const cached = await roster(alice, snap.aliceRoster.ver);
    // Nothing changed since that version: an empty result, or the same roster; no pushes.
    const query = cached.result.getChild('query', NS_ROSTER);
    if (query) assert.deepEqual([query.attrs.ver, cached.items], [snap.aliceRoster.ver, snap.aliceRoster.items]);
    const pushes = (await alice.settle()).filter((e) => e.name === 'iq' && e.attrs.type === 'set' && e.getChild('query', NS_ROSTER));
    assert.deepEqual(pushes.map((p) => p.toString()), []);
  });

  it('brings a client holding a pre-restart older version up to date with the changes since, ending at the current version (RFC 6121 §2.6.3; XEP-0237 §2.4)', async () => {
    const alice = await login(ts, 'alice', 'home', { roster: false, available: false });
    const res = await roster(alice, snap.aliceEarlier.ver);
    const query = res.result.getChild('query', NS_ROSTER);
    let view: WireItem[];
    let ver: string | undefined;
    if (query && res.items.length > 0) {
      // The whole roster instead (allowed by §2.6.3).
      view = res.items;
      ver = query.attrs.ver as string;
    } else {
      // An empty result, then roster pushes with the changes (§2.6.3, XEP-0237 §2.4).
      const pushes = (await alice.settle()).filter((e) => e.name === 'iq' && e.attrs.type === 'set' && e.getChild('query', NS_ROSTER));
      assert.ok(pushes.length > 0, 'the changes since the older version are pushed');
      const items = new Map(snap.aliceEarlier.items.map((i) => [i.jid, i]));
      for (const p of pushes) {
        const q = p.getChild('query', NS_ROSTER)!;
        for (const i of q.getChildren('item').map(wireItem)) {
          if (i.subscription === 'remove') items.delete(i.jid);
          else items.set(i.jid, i);
        }
        ver = q.attrs.ver as string;
      }
      view = [...items.values()].sort((a, b) => (a.jid < b.jid ? -1 : 1));
    }
    assert.deepEqual(view, snap.aliceRoster.items);
    assert.equal(ver, snap.aliceRoster.ver);
  });

  it('keeps the contacts\' rosters: bob\'s mutual subscription, and carol\'s and dave\'s pending requests with ask=\'subscribe\' (RFC 6121 §2.1.2.2, §3.1.2)', async () => {
    const bob = await login(ts, 'bob', 'work', { roster: false, available: false });
    const bobRoster = (await roster(bob)).items;
    assert.deepEqual(bobRoster, snap.bobRoster);
    assert.deepEqual(bobRoster, [{ jid: ALICE, subscription: 'both', ask: null, name: 'Alice', groups: ['Family'] }]);

    const dave = await login(ts, 'dave', 'desk', { roster: false, available: false });
    const daveRoster = (await roster(dave)).items;
    assert.deepEqual(daveRoster, snap.daveRoster);
    assert.deepEqual(daveRoster, [{ jid: ALICE, subscription: 'none', ask: 'subscribe', name: 'Alice from chess club', groups: ['Chess'] }]);

    const carol = await login(ts, 'carol', 'phone', { roster: false, available: false });
    const carolRoster = (await roster(carol)).items;
    assert.deepEqual(carolRoster, snap.carolRoster);
    assert.deepEqual(carolRoster, [{ jid: ALICE, subscription: 'none', ask: 'subscribe', name: null, groups: [] }]);
  });

  it('redelivers the requests alice has not answered when she sends initial presence, at every login until she answers (RFC 6121 §3.1.3)', async () => {
    for (const resource of ['home', 'laptop']) {
      const alice = await login(ts, 'alice', resource, { available: false });
      alice.send(xml('presence'));
      const fromCarol = await alice.take(isPresence(CAROL, 'subscribe'));
      const fromDave = await alice.take(isPresence(DAVE, 'subscribe'));
      // From the requester's bare JID, to alice's bare JID (§3.1.3, §3.1.1).
      assert.deepEqual([fromCarol.attrs.from, fromCarol.attrs.to], [CAROL, ALICE]);
      assert.deepEqual([fromDave.attrs.from, fromDave.attrs.to], [DAVE, ALICE]);
      const rest = await alice.settle();
      const requests = rest.filter((e) => e.name === 'presence' && e.attrs.type === 'subscribe');
      assert.deepEqual(requests.map((e) => e.toString()), [], 'no other request: bob\'s was answered before the restart');
      await closeAll();
    }
  });

  it('returns alice\'s vCard to herself and to another user (XEP-0054 §3.1, §3.3)', async () => {
    const alice = await login(ts, 'alice', 'home', { roster: false, available: false });
    const own = (await expectResult(alice, xml('iq', { type: 'get' }, xml('vCard', { xmlns: NS_VCARD })))).getChild('vCard', NS_VCARD)!;
    assert.deepEqual([own.getChildText('FN'), own.getChildText('NICKNAME')], ['Alice Liddell', 'alice']);
    const bob = await login(ts, 'bob', 'work', { roster: false, available: false });
    const hers = (await expectResult(bob, xml('iq', { type: 'get', to: ALICE }, xml('vCard', { xmlns: NS_VCARD })))).getChild('vCard', NS_VCARD)!;
    assert.deepEqual([hers.getChildText('FN'), hers.getChildText('NICKNAME')], ['Alice Liddell', 'alice']);
  });

  it('returns alice\'s private XML item (XEP-0049 §2.2)', async () => {
    const alice = await login(ts, 'alice', 'home', { roster: false, available: false });
    const res = await expectResult(alice, xml('iq', { type: 'get' }, xml('query', { xmlns: NS_PRIVATE }, xml('prefs', { xmlns: 'urn:example:prefs' }))));
    const prefs = res.getChild('query', NS_PRIVATE)?.getChild('prefs', 'urn:example:prefs');
    assert.ok(prefs, res.toString());
    assert.equal(prefs.getChildText('theme'), 'dark');
  });

  it('returns alice\'s blocklist and still enforces it: a blocked user\'s message is refused with service-unavailable and not delivered (XEP-0191 §3.2, §3.3)', async () => {
    const alice = await login(ts, 'alice', 'home');
    const res = await expectResult(alice, xml('iq', { type: 'get' }, xml('blocklist', { xmlns: NS_BLOCKING })));
    const jids = res.getChild('blocklist', NS_BLOCKING)!.getChildren('item').map((i) => i.attrs.jid as string).sort();
    assert.deepEqual(jids, [MALLORY, 'spam.example']);

    const mallory = await login(ts, 'mallory', 'x');
    mallory.send(chat(ALICE, 'spam1', 'let me in'));
    const err = await mallory.take((e) => e.name === 'message' && e.attrs.id === 'spam1');
    assert.deepEqual([err.attrs.type, errorCondition(err)], ['error', 'service-unavailable']);
    await mallory.settle();
    const got = (await alice.settle()).filter((e) => e.name === 'message');
    assert.deepEqual(got.map((e) => e.toString()), []);
  });

  // Changes state: bob's stored messages are gone afterwards.
  it('delivers bob\'s two offline messages from before the restart, in order, with delay stamps from the server, once (XEP-0160 §2; XEP-0203 §3)', async () => {
    const bob = await login(ts, 'bob', 'work', { available: false });
    bob.send(xml('presence'));
    const m1 = await bob.take((e) => e.name === 'message');
    const m2 = await bob.take((e) => e.name === 'message');
    assert.deepEqual([m1.attrs.id, m2.attrs.id], ['off1', 'off2'], 'oldest first');
    assert.deepEqual([m1.getChildText('body'), m2.getChildText('body')], ['first, while you were away', 'second, while you were away']);
    const stamps: number[] = [];
    for (const m of [m1, m2]) {
      assert.deepEqual([m.attrs.from, m.attrs.to, m.attrs.type], [snap.aliceJid, BOB, 'chat']);
      const delay = m.getChild('delay', NS_DELAY);
      assert.ok(delay, m.toString());
      assert.equal(delay.attrs.from, 'localhost');
      const stamp = delay.attrs.stamp as string;
      assert.match(stamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'XEP-0082 DateTime in UTC');
      // Stored on the first server: between sending and stopping, not at delivery.
      assert.ok(Date.parse(stamp) >= snap.sentAfter - 1000 && Date.parse(stamp) <= snap.stoppedAt, `${stamp} within the first server's life`);
      stamps.push(Date.parse(stamp));
      assert.equal(m.getChild('stanza-id', NS_SID)?.attrs.by, BOB, 'a stanza id assigned by bob\'s account (XEP-0359)');
    }
    assert.ok(stamps[0]! <= stamps[1]!);
    const more = (await bob.settle()).filter((e) => e.name === 'message');
    assert.deepEqual(more.map((e) => e.toString()), []);
    await closeAll();

    // Delivered means gone: the next login gets nothing.
    const again = await login(ts, 'bob', 'work');
    assert.deepEqual((await again.settle()).filter((e) => e.name === 'message').map((e) => e.toString()), []);
  });

  it('lets presence flow both ways between mutually subscribed alice and bob after the restart (RFC 6121 §4.2.2, §4.3.2)', async () => {
    const alice = await login(ts, 'alice', 'home');
    const bob = await login(ts, 'bob', 'work');
    // bob's initial presence is broadcast to alice; the probe for alice is answered with hers.
    const toAlice = await alice.take(isPresence(bob.jid));
    assert.equal(toAlice.attrs.to, ALICE);
    await bob.take(isPresence(alice.jid));
  });

  // Changes state: carol's request is answered.
  it('lets alice approve a request kept across the restart: carol\'s ask becomes subscription \'to\' and she gets alice\'s presence (RFC 6121 §3.1.5, §3.1.6, §4.3.2)', async () => {
    const alice = await login(ts, 'alice', 'home');
    await alice.take(isPresence(CAROL, 'subscribe'));
    alice.send(presence('subscribed', CAROL));
    const push = await alice.take(isPush(CAROL));
    assert.deepEqual(wireItem(push.getChild('query', NS_ROSTER)!.getChild('item')!), { jid: CAROL, subscription: 'from', ask: null, name: null, groups: [] });
    await alice.settle();

    const carol = await login(ts, 'carol', 'phone', { available: false });
    const items = (await roster(carol)).items;
    assert.deepEqual(items, [{ jid: ALICE, subscription: 'to', ask: null, name: null, groups: [] }]);
    // The subscription is in effect: carol's initial presence probes alice, who is online, and
    // carol gets alice's presence (§4.3.2).
    carol.send(xml('presence'));
    await carol.take(isPresence(alice.jid));
  });
});
