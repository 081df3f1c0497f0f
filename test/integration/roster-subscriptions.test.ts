// Presence subscriptions over real sockets (RFC 6121 §3): request, approval, mutual
// subscription, pre-approval, unsubscribing, cancelling and denying, roster pushes at each step,
// requests kept for an offline account, and the cancellations of a roster remove (§2.5.2).
// Default modules (presence included), default SQLite storage; fresh accounts per test.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import type { Subscription } from '../../src/storage/types.js';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Peer } from '../support/peer.js';

const R = 'jabber:iq:roster';
/** A second virtual host of the same server, with its own roster module instance. */
const OTHER = 'example.test';


const sub = (type: string, to: string, id?: string) => xml('presence', id ? { type, to, id } : { type, to });
const isPresence = (from: string, type?: string) => (e: Element): boolean =>
  e.name === 'presence' && e.attrs.from === from && e.attrs.type === type;
/** A roster push about `jid`, optionally with this subscription and ask. */
const isPush = (jid: string, subscription?: string, ask?: string) => (e: Element): boolean => {
  if (e.name !== 'iq' || e.attrs.type !== 'set') return false;
  const i = e.getChild('query', R)?.getChild('item');
  return i !== undefined && i.attrs.jid === jid && (subscription === undefined || i.attrs.subscription === subscription) &&
    (subscription === undefined || i.attrs.ask === ask);
};
const anyPush = (e: Element): boolean => e.name === 'iq' && e.attrs.type === 'set' && e.getChild('query', R) !== undefined;

describe('presence subscriptions (RFC 6121 §3)', () => {
  let ts: TestServer;
  let ca: string;
  let caOther: string;
  let n = 0;
  const peers: Peer[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.hosts[OTHER] = { tls: {} };
    });
    ca = await ts.ca();
    caOther = await ts.ca(OTHER);
  });
  afterEach(() => {
    for (const p of peers.splice(0)) p.client.destroy();
  });
  after(() => ts.stop());

  async function account(domain = 'localhost'): Promise<string> {
    const name = `s${++n}`;
    await ts.addUser(`${name}@${domain}`, 'pw');
    return `${name}@${domain}`;
  }

  /** Logs in; requests the roster (interested, §2.2) and sends initial presence (available). */
  async function connect(bare: string, resource: string, opts: { roster?: boolean; available?: boolean } = {}): Promise<Peer> {
    const domain = bare.split('@')[1]!;
    const c = await RawClient.connect({ port: ts.c2sPort, domain, ca: domain === OTHER ? caOther : ca });
    const p = new Peer(c, await c.login(bare.split('@')[0]!, 'pw', resource));
    peers.push(p);
    if (opts.roster ?? true) await p.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: R })));
    if (opts.available ?? true) {
      p.send(xml('presence'));
      await p.take(isPresence(p.jid)); // its own presence, back from the broadcast (§4.2.2)
    }
    return p;
  }

  async function roster(p: Peer): Promise<Record<string, string>> {
    const res = await p.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: R })));
    const out: Record<string, string> = {};
    for (const i of res.getChild('query')!.getChildren('item')) {
      out[i.attrs.jid as string] = [i.attrs.subscription, i.attrs.ask, i.attrs.approved].filter(Boolean).join('+');
    }
    return out;
  }

  async function setState(owner: string, contact: string, subscription: Subscription): Promise<void> {
    const [username] = owner.split('@');
    await ts.server.storage.roster.setItem('localhost', username!, { jid: contact, subscription, ask: false, approved: false, groups: [] });
  }

  it('runs the mutual subscription flow with pushes at each step (§3.1.1-§3.1.6)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a1 = await connect(alice, 'one');
    const a2 = await connect(alice, 'two');
    const b1 = await connect(bob, 'laptop');

    // §3.1.2: the request leaves from alice's bare JID, after a push with ask='subscribe'.
    a1.send(sub('subscribe', bob, 'req1'));
    for (const p of [a1, a2]) await p.take(isPush(bob, 'none', 'subscribe'));
    const req = await b1.take(isPresence(alice, 'subscribe'));
    assert.equal(req.attrs.to, bob);
    assert.equal(req.attrs.id, 'req1');
    assert.deepEqual(await roster(b1), {}, 'a request alone puts nobody on the contact\'s roster');

    // §3.1.5, §3.1.6: bob approves; both sides get pushes; alice gets 'subscribed' and bob's presence.
    b1.send(sub('subscribed', alice));
    await b1.take(isPush(alice, 'from'));
    for (const p of [a1, a2]) {
      await p.take(isPresence(bob, 'subscribed'));
      await p.take(isPush(bob, 'to'));
      await p.take(isPresence(b1.jid));
    }

    // bob subscribes back; alice approves; both end with 'both'.
    b1.send(sub('subscribe', alice));
    await b1.take(isPush(alice, 'from', 'subscribe'));
    await a1.take(isPresence(bob, 'subscribe'));
    await a2.take(isPresence(bob, 'subscribe'));
    a2.send(sub('subscribed', bob));
    for (const p of [a1, a2]) await p.take(isPush(bob, 'both'));
    await b1.take(isPresence(alice, 'subscribed'));
    await b1.take(isPush(alice, 'both'));
    await b1.take(isPresence(a1.jid));
    await b1.take(isPresence(a2.jid));

    assert.deepEqual(await roster(a1), { [bob]: 'both' });
    assert.deepEqual(await roster(b1), { [alice]: 'both' });
  });

  it('subscribes across two virtual hosts of the server, each side handled by its own host (§3.1)', async () => {
    const [alice, bob] = [await account(), await account(OTHER)];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', bob));
    await a.take(isPush(bob, 'none', 'subscribe'));
    await b.take(isPresence(alice, 'subscribe'));
    b.send(sub('subscribed', alice));
    await b.take(isPush(alice, 'from'));
    await a.take(isPresence(bob, 'subscribed'));
    await a.take(isPush(bob, 'to'));
    await a.take(isPresence(b.jid));
    assert.deepEqual(await roster(a), { [bob]: 'to' });
    assert.deepEqual(await roster(b), { [alice]: 'from' });
  });

  it('treats a subscription request to a full JID as one to the bare JID (§3.1.1)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', `${bob}/laptop`));
    await a.take(isPush(bob, 'none', 'subscribe'));
    const req = await b.take(isPresence(alice, 'subscribe'));
    assert.equal(req.attrs.to, bob);
  });

  it('pushes only to interested resources, and delivers requests only to available ones (§2.2)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const quiet = await connect(alice, 'quiet', { roster: false });
    const b = await connect(bob, 'laptop');
    const hidden = await connect(bob, 'hidden', { available: false });
    a.send(sub('subscribe', bob));
    await a.take(isPush(bob, 'none', 'subscribe'));
    await b.take(isPresence(alice, 'subscribe'));
    assert.deepEqual((await quiet.drain()).filter(anyPush), []);
    assert.deepEqual((await hidden.drain()).filter(isPresence(alice, 'subscribe')), []);
  });

  it('keeps a request for an offline contact and redelivers it at each login until answered (§3.1.3)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    a.send(xml('presence', { type: 'subscribe', to: bob, id: 'kept' }, xml('status', {}, 'It is Alice <3')));
    await a.take(isPush(bob, 'none', 'subscribe'));
    await new Promise((r) => setTimeout(r, 100));

    const b1 = await connect(bob, 'first', { roster: false, available: false });
    assert.deepEqual((await b1.drain(200)).filter(isPresence(alice, 'subscribe')), [], 'not before initial presence');
    b1.send(xml('presence'));
    const kept = await b1.take(isPresence(alice, 'subscribe'));
    assert.deepEqual([kept.attrs.to, kept.attrs.id, kept.getChildText('status')], [bob, 'kept', 'It is Alice <3']);
    b1.client.destroy();

    const b2 = await connect(bob, 'second');
    await b2.take(isPresence(alice, 'subscribe'));
    b2.send(sub('subscribed', alice));
    await a.take(isPush(bob, 'to'));
    b2.client.destroy();

    const b3 = await connect(bob, 'third');
    assert.deepEqual((await b3.drain()).filter(isPresence(alice, 'subscribe')), [], 'answered requests are not redelivered');
  });

  it('does not deliver a second request while one is pending, nor one from a contact already subscribed, which is approved at once (§3.1.3)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', bob));
    await a.take(isPush(bob, 'none', 'subscribe'));
    await b.take(isPresence(alice, 'subscribe'));
    a.send(sub('subscribe', bob));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await b.drain()).filter(isPresence(alice, 'subscribe')), []);

    b.send(sub('subscribed', alice));
    await a.take(isPush(bob, 'to'));
    await a.take(isPresence(bob, 'subscribed'));
    await a.take(isPresence(b.jid));
    // alice asks again (her client lost track): the request is routed (Appendix A.2, "To"),
    // bob's server answers for him with 'subscribed' and his presence. Alice's server, which
    // knows she is subscribed already, drops the 'subscribed' (Appendix A.3, "To").
    a.send(sub('subscribe', bob));
    await a.take(isPresence(b.jid));
    assert.deepEqual((await b.drain()).filter(isPresence(alice, 'subscribe')), []);
    assert.deepEqual((await a.drain()).filter((e) => isPresence(bob, 'subscribed')(e) || anyPush(e)), []);
  });

  it('pre-approves: the later request is approved at once, never delivered (§3.4)', async () => {
    const [carol, dave] = [await account(), await account()];
    const c = await connect(carol, 'one');
    const d = await connect(dave, 'one');
    c.send(sub('subscribed', dave));
    const pre = await c.take(isPush(dave));
    assert.equal(pre.getChild('query')!.getChild('item')!.attrs.approved, 'true');
    assert.deepEqual((await d.drain()).filter(isPresence(carol, 'subscribed')), [], 'a pre-approval is not routed');

    d.send(sub('subscribe', carol));
    await d.take(isPush(carol, 'none', 'subscribe'));
    await d.take(isPresence(carol, 'subscribed'));
    await d.take(isPush(carol, 'to'));
    await d.take(isPresence(c.jid));
    const after = await c.take(isPush(dave, 'from'));
    assert.equal(after.getChild('query')!.getChild('item')!.attrs.approved, undefined);
    assert.deepEqual((await c.drain()).filter(isPresence(dave, 'subscribe')), []);
    assert.deepEqual(await roster(c), { [dave]: 'from' });
  });

  it('cancels a pre-approval with unsubscribed, routing nothing (§3.4)', async () => {
    const [carol, dave] = [await account(), await account()];
    const c = await connect(carol, 'one');
    const d = await connect(dave, 'one');
    c.send(sub('subscribed', dave));
    await c.take(isPush(dave));
    c.send(sub('unsubscribed', dave));
    const push = await c.take(isPush(dave, 'none'));
    assert.equal(push.getChild('query')!.getChild('item')!.attrs.approved, undefined);
    d.send(sub('subscribe', carol));
    await c.take(isPresence(dave, 'subscribe'));
    assert.deepEqual((await d.drain()).filter((e) => e.name === 'presence' && e.attrs.from === carol), []);
  });

  it('denies a request with unsubscribed: the requester is told and pushed, the request is gone (§3.1.4, Appendix A)', async () => {
    const [alice, bob] = [await account(), await account()];
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('subscribe', bob));
    await b.take(isPresence(alice, 'subscribe'));
    b.send(sub('unsubscribed', alice));
    await a.take(isPresence(bob, 'unsubscribed'));
    await a.take(isPush(bob, 'none', undefined));
    assert.deepEqual(await roster(a), { [bob]: 'none' });
    assert.deepEqual(await ts.server.storage.roster.listPendingIn('localhost', bob.split('@')[0]!), []);
  });

  it('unsubscribes: both sides pushed, the contact told, and the user gets the contact\'s unavailable presence (§3.3)', async () => {
    const [alice, bob] = [await account(), await account()];
    await setState(alice, bob, 'both');
    await setState(bob, alice, 'both');
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    a.send(sub('unsubscribe', bob));
    await a.take(isPush(bob, 'from'));
    await b.take(isPresence(alice, 'unsubscribe'));
    await b.take(isPush(alice, 'to'));
    await a.take(isPresence(b.jid, 'unavailable'));
    assert.deepEqual(await roster(a), { [bob]: 'from' });
    assert.deepEqual(await roster(b), { [alice]: 'to' });
  });

  it('cancels a contact\'s subscription: both sides pushed, and the contact gets the user\'s unavailable presence (§3.2)', async () => {
    const [alice, bob] = [await account(), await account()];
    await setState(alice, bob, 'both');
    await setState(bob, alice, 'both');
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    b.send(sub('unsubscribed', alice));
    await b.take(isPush(alice, 'to'));
    await a.take(isPresence(bob, 'unsubscribed'));
    await a.take(isPush(bob, 'from'));
    await a.take(isPresence(b.jid, 'unavailable'));
    // Unsubscribing again changes nothing and is not routed (Appendix A.2: From/To rows).
    b.send(sub('unsubscribed', alice));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await a.drain()).filter((e) => isPresence(bob, 'unsubscribed')(e) || anyPush(e)), []);
  });

  it('removing an item cancels the subscriptions both ways and tells the contact (§2.5.2)', async () => {
    const [alice, bob] = [await account(), await account()];
    await setState(alice, bob, 'both');
    await setState(bob, alice, 'both');
    const a = await connect(alice, 'one');
    const b = await connect(bob, 'laptop');
    const res = await a.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: R }, xml('item', { jid: bob, subscription: 'remove' }))));
    assert.equal(res.attrs.type, 'result');
    await a.take(isPush(bob, 'remove'));
    await b.take(isPresence(alice, 'unsubscribe'));
    await b.take(isPresence(alice, 'unsubscribed'));
    await b.take(isPresence(a.jid, 'unavailable'));
    await b.take(isPush(alice, 'none'));
    assert.deepEqual(await roster(b), { [alice]: 'none' });
  });

  it('answers a request to an account that does not exist with unsubscribed (§8.5.1)', async () => {
    const alice = await account();
    const a = await connect(alice, 'one');
    a.send(sub('subscribe', 'nobody@localhost'));
    await a.take(isPush('nobody@localhost', 'none', 'subscribe'));
    await a.take(isPresence('nobody@localhost', 'unsubscribed'));
    await a.take(isPush('nobody@localhost', 'none', undefined));
  });

  it('routes a request to a remote contact the same way, and the bounce comes back to the user (§3.1.2)', async () => {
    const alice = await account();
    const a = await connect(alice, 'one');
    a.send(sub('subscribe', 'romeo@example.net', 'remote1'));
    await a.take(isPush('romeo@example.net', 'none', 'subscribe'));
    const err = await a.take((e) => e.attrs.id === 'remote1');
    assert.equal(errorCondition(err), 'remote-server-not-found');
  });

  it('ignores subscription stanzas to the user\'s own JID', async () => {
    const alice = await account();
    const a = await connect(alice, 'one');
    a.send(sub('subscribe', alice));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await a.drain()).filter((e) => anyPush(e) || isPresence(alice, 'subscribe')(e)), []);
    assert.deepEqual(await roster(a), {});
  });
});
