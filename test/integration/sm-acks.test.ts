// Stream management (XEP-0198) over real sockets: the stream feature, enabling, acknowledgements
// both ways with the count of handled stanzas, durability of acknowledgements, the error for a
// count too high, and the bound on unacknowledged stanzas.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { SmPeer, SmPeers, NS_SM, bodies, chat, condition, smElement } from '../support/sm-peer.js';
import type { C2sSession } from '../../src/core/c2s/client-session.js';
import { Jid } from '../../src/xmpp/jid.js';

const MAX_UNACKED = 10;

describe('stream management: enabling and acknowledgements (XEP-0198 §2-§4, §6)', () => {
  let ts: TestServer;
  let ca: string;
  const peers = new SmPeers(() => ({ port: ts.c2sPort, ca }));
  const bound = (user: string, resource: string): Promise<SmPeer> => peers.bound(user, resource);
  const sessionOf = (full: string): C2sSession => ts.server.sessions.get(Jid.parse(full)) as C2sSession;

  before(async () => {
    ts = await startTestServer((c) => {
      c.stream_management.max_unacked = MAX_UNACKED;
    });
    ca = await ts.ca();
    for (const u of ['alice', 'bob', 'carol', 'dave']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
  });
  after(async () => {
    await peers.closeAll();
    await ts.stop();
  });

  it('offers <sm/> beside bind after authentication, not before (§2)', async () => {
    const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
    const before = await c.open();
    assert.equal(before.getChild('sm', NS_SM), undefined);
    assert.equal(await c.scram(before, 'alice', 'pw-alice', 'SCRAM-SHA-256'), 'success');
    const after = await c.open();
    assert.ok(after.getChild('bind', 'urn:ietf:params:xml:ns:xmpp-bind'));
    assert.ok(after.getChild('sm', NS_SM));
    await c.close();
  });

  it('refuses <enable/> before authentication and before binding with <failed/> unexpected-request, keeping the stream (§3)', async () => {
    const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
    const features = await c.open();
    c.send(xml('enable', { xmlns: NS_SM }));
    const early = await c.expect(smElement('failed'));
    assert.equal(condition(early), 'unexpected-request');
    assert.equal(await c.scram(features, 'alice', 'pw-alice', 'SCRAM-SHA-256'), 'success');
    await c.open();
    const peer = peers.track(new SmPeer(c));
    const unbound = await peer.enable();
    assert.equal(unbound.name, 'failed');
    assert.equal(condition(unbound), 'unexpected-request');
    assert.equal(await c.bind('late'), 'alice@localhost/late');
    assert.equal((await peer.enable()).name, 'enabled');
  });

  it('answers a second <enable/> with <failed/> unexpected-request (§3)', async () => {
    const p = await bound('alice', 'twice');
    assert.equal((await p.enable({})).name, 'enabled');
    const again = await p.enable();
    assert.equal(again.name, 'failed');
    assert.equal(condition(again), 'unexpected-request');
    await p.settle();
  });

  it('enables without an SM-ID unless resumption is asked for; with it, an id, resume and the window, shortened by the client max (§3, §5)', async () => {
    const plain = await bound('bob', 'plain');
    const e1 = await plain.enable({});
    assert.deepEqual(e1.attrs, { xmlns: NS_SM });
    const resumable = await bound('bob', 'resumable');
    const e2 = await resumable.enable({ resume: 'true' });
    assert.equal(e2.attrs.resume, 'true');
    assert.equal(e2.attrs.max, '300');
    assert.ok((e2.attrs.id as string).length >= 24, 'a long, random SM-ID');
    const short = await bound('bob', 'short');
    const e3 = await short.enable({ resume: '1', max: '60' });
    assert.equal(e3.attrs.max, '60');
    assert.notEqual(e3.attrs.id, e2.attrs.id);
  });

  it('counts every handled stanza from the client, IQs, messages, presence and refused ones, and answers <r/> with <a h/> (§4)', async () => {
    const carol = await bound('carol', 'count');
    await carol.enable();
    assert.equal(await carol.request(), 0, 'h starts at zero');
    carol.send(xml('presence'));
    carol.send(chat('dave@localhost', 'one'));
    carol.send(xml('iq', { type: 'get', id: 'v1', to: 'localhost' }, xml('query', { xmlns: 'jabber:iq:version' })));
    // Refused with a stanza error (no id on an IQ) is still handled.
    carol.send(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    carol.send(xml('a', { xmlns: NS_SM, h: '0' }));
    // Client state indication (XEP-0352) elements are nonzas too.
    carol.send(xml('inactive', { xmlns: 'urn:xmpp:csi:0' }));
    carol.send(xml('active', { xmlns: 'urn:xmpp:csi:0' }));
    assert.equal(await carol.request(), 4, '<a/>, <r/>, <inactive/> and <active/> are not stanzas');
    await carol.settle();
    assert.equal(await carol.request(), 5);
  });

  it('counts its own answers to the legacy session IQ and to malformed stanzas as sent (§4)', async () => {
    const p = await bound('carol', 'answers');
    await p.enable();
    p.send(xml('iq', { type: 'set', id: 'sess' }, xml('session', { xmlns: 'urn:ietf:params:xml:ns:xmpp-session' })));
    p.send(xml('presence', { type: 'bogus' }));
    p.send(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    const seen = (await p.settle()).filter((e) => e.name === 'iq' || e.name === 'presence');
    assert.deepEqual(seen.map((e) => `${e.name} ${e.attrs.type}`), ['iq result', 'presence error', 'iq error']);
    assert.equal(p.h, 4, 'three answers and the settle ping');
    assert.equal(sessionOf('carol@localhost/answers').sm!.queue.length, 4, 'kept for a resumption until acknowledged');
    p.ack();
    await p.settle();
    assert.equal(sessionOf('carol@localhost/answers').sm!.queue.length, 1, 'an acknowledgement of all four is not too high');
  });

  it('answers <r/> only once buffered writes are durable, without holding up stanzas (§4)', async () => {
    const host = ts.server.hosts.get('localhost')!;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const remove = host.addFlusher(() => gate);
    try {
      const p = await bound('carol', 'durable');
      await p.enable();
      p.send(chat('dave@localhost', 'x'));
      p.send(xml('r', { xmlns: NS_SM }));
      const seen = await p.settle();
      assert.deepEqual(seen.filter(smElement('a')), [], 'no <a/> before the flush');
      release();
      const a = await p.take(smElement('a'));
      assert.equal(a.attrs.h, '1', 'the count when <r/> came, before the ping');
    } finally {
      release();
      remove();
    }
  });

  it('asks for acknowledgements at most every 5 stanzas and at the end of a burst; <a/> releases them (§4)', async () => {
    const dave = await bound('dave', 'asked');
    await dave.enable();
    const bob = await bound('bob', 'sender');
    for (let i = 1; i <= 7; i++) bob.send(chat('dave@localhost/asked', `m${i}`));
    await bob.settle();
    const seen = await dave.settle();
    assert.deepEqual(bodies(seen), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    let since = 0;
    for (const el of seen) {
      if (smElement('r')(el)) since = 0;
      else if (el.name === 'message') assert.ok(++since <= 5, 'an <r/> at least every 5 stanzas');
    }
    assert.equal(since, 0, 'an <r/> after the last message of the burst');
    // The settle answer is the eighth stanza; acknowledge all of them.
    const session = sessionOf('dave@localhost/asked');
    assert.equal(session.sm!.queue.length, 8);
    dave.ack();
    await dave.settle();
    assert.equal(session.sm!.queue.length, 1, 'only the last ping answer is left');
  });

  it('closes the stream with undefined-condition and <handled-count-too-high/> for an h beyond what was sent (§6)', async () => {
    const p = await bound('dave', 'toohigh');
    await p.enable();
    await p.settle();
    p.send(xml('a', { xmlns: NS_SM, h: '7' }));
    const err = await p.client.expect((e) => e.name === 'stream:error');
    assert.equal(condition(err), 'undefined-condition');
    const app = err.getChild('handled-count-too-high', NS_SM);
    assert.ok(app);
    assert.deepEqual([app.attrs.h, app.attrs['send-count']], ['7', '1']);
    await p.client.closed;
  });

  it(`closes a stream past ${MAX_UNACKED} unacknowledged stanzas with policy-violation; the messages are stored offline, none lost (§4)`, async () => {
    const alice = await bound('alice', 'slow');
    await alice.enable();
    alice.send(xml('presence'));
    await alice.settle();
    alice.ack();
    const bob = await bound('bob', 'burst');
    const n = MAX_UNACKED + 2;
    for (let i = 1; i <= n; i++) bob.send(chat('alice@localhost', `q${i}`));
    const bounced = await bob.settle();
    assert.deepEqual(bounced.filter((e) => e.name === 'message'), [], 'nothing bounced to the sender');
    const err = await alice.client.expect((e) => e.name === 'stream:error');
    assert.equal(condition(err), 'policy-violation');
    await alice.client.closed;
    // The session has ended; the messages are stored for the next login.
    const next = await bound('alice', 'again');
    next.send(xml('presence'));
    const got = await next.settle();
    assert.deepEqual(bodies(got), Array.from({ length: n }, (_, i) => `q${i + 1}`));
  });
});
