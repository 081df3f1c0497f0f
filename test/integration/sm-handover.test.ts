// A stream-managed session that ends without acknowledging a message hands it on only to
// resources that do not have it already (XEP-0198 §4: as if sent to an unavailable resource;
// XEP-0280 §7: a carbon counts as having it), or stores it offline once. Archive results and
// copies made for that session alone go nowhere (XEP-0313 §4.2). Each case here gave a resource
// the same message twice, or the wrong resource a message, before.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { startTestServer, type TestServer } from '../support/server.js';
import { SmPeer, SmPeers, bodies, chat, hibernate, waitFor } from '../support/sm-peer.js';

const CARBONS = 'urn:xmpp:carbons:2';
const messages = (els: Element[]): Element[] => els.filter((e) => e.name === 'message');
/** The body of a message or of the message a carbon forwards. */
const bodyOf = (m: Element): string | null =>
  m.getChildText('body') ?? m.getChild('received', CARBONS)?.getChild('forwarded')?.getChild('message')?.getChildText('body') ?? null;

describe('stream management: what an ended session hands on, and to whom (XEP-0198 §4)', () => {
  let ts: TestServer;
  let ca: string;
  const peers = new SmPeers(() => ({ port: ts.c2sPort, ca }));
  const bound = (user: string, resource: string): Promise<SmPeer> => peers.bound(user, resource);
  const ended = new Set<string>();
  const expired = (jid: string): Promise<void> => waitFor(() => ended.has(jid), `${jid} to end`);

  /** An available session with carbons (if asked) and `priority`. */
  async function live(user: string, resource: string, opts: { carbons?: boolean; priority?: number } = {}): Promise<SmPeer> {
    const peer = await bound(user, resource);
    if (opts.carbons) peer.send(xml('iq', { type: 'set', id: 'carbons' }, xml('enable', { xmlns: CARBONS })));
    peer.send(xml('presence', {}, xml('priority', {}, String(opts.priority ?? 0))));
    await peer.settle();
    return peer;
  }

  const hibernated = async (user: string, resource: string): Promise<void> => {
    await hibernate(peers, () => ts.server.smSessions.hibernating(), user, resource, 0);
  };

  before(async () => {
    ts = await startTestServer((c) => {
      c.stream_management.resume_timeout = 1;
    });
    ca = await ts.ca();
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'gina', 'hank', 'ivy']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    ts.server.hosts.get('localhost')!.events.on('session/closed', (ev) => {
      ended.add(ev.session.jid.full);
    });
  });
  after(async () => {
    await peers.closeAll();
    await ts.stop();
  });

  it('a message to the bare JID that two resources of one priority got: the one left gets no second copy', async () => {
    const desk = await live('carol', 'desk');
    await hibernated('carol', 'phone');
    const bob = await bound('bob', 'one');
    bob.send(chat('carol@localhost', 'to both'));
    await bob.settle();
    await expired('carol@localhost/phone');
    assert.deepEqual(bodies(messages(await desk.settle())), ['to both'], 'once, when it was sent');
  });

  it('...and when both hibernated and both end, it is stored offline once', async () => {
    await hibernated('hank', 'one');
    await hibernated('hank', 'two');
    const bob = await bound('bob', 'two');
    bob.send(chat('hank@localhost', 'to two sleepers'));
    await bob.settle();
    await expired('hank@localhost/one');
    await expired('hank@localhost/two');
    await ts.server.hosts.get('localhost')!.events.idle();
    assert.equal(await ts.server.storage.offline.count('localhost', 'hank'), 1);
    const next = await bound('hank', 'laptop');
    next.send(xml('presence'));
    assert.deepEqual(bodies(messages(await next.settle())), ['to two sleepers']);
  });

  it('a message to a hibernated resource that another resource got a carbon of is not given to that one again (XEP-0280 §7)', async () => {
    const desk = await live('alice', 'desk', { carbons: true });
    await hibernated('alice', 'phone');
    const bob = await bound('bob', 'three');
    bob.send(chat('alice@localhost/phone', 'to the phone'));
    await bob.settle();
    await expired('alice@localhost/phone');
    const got = messages(await desk.settle());
    assert.equal(got.length, 1, got.map(String).join('\n'));
    assert.ok(got[0]!.getChild('received', CARBONS), 'the carbon, and nothing after it');
    assert.equal(bodyOf(got[0]!), 'to the phone');
  });

  it('a message one resource sent to another that then ends does not come back to the sender', async () => {
    const desk = await live('ivy', 'desk');
    await hibernated('ivy', 'phone');
    desk.send(chat('ivy@localhost/phone', 'note to self'));
    await desk.settle();
    await expired('ivy@localhost/phone');
    assert.deepEqual(messages(await desk.settle()), []);
  });

  it('archive results for a query sent to the server are neither handed on nor stored (XEP-0313 §4.2)', async () => {
    const bob = await bound('bob', 'four');
    bob.send(chat('erin@localhost', 'history'));
    await bob.settle();
    const desk = await live('erin', 'desk');
    const phone = await live('erin', 'phone');
    await phone.enable({ resume: 'true' });
    phone.ack();
    await phone.settle();
    desk.drain();
    phone.send(xml('iq', { type: 'set', id: 'mam', to: 'localhost' }, xml('query', { xmlns: 'urn:xmpp:mam:2', queryid: 'q1' })));
    await phone.take((e) => e.name === 'iq' && e.attrs.id === 'mam');
    phone.client.destroy();
    await expired('erin@localhost/phone');
    await ts.server.hosts.get('localhost')!.events.idle();
    assert.deepEqual(messages(await desk.settle()), []);
    assert.equal(await ts.server.storage.offline.count('localhost', 'erin'), 0);
  });

  it("a delay stamp a client forged in the server's name is dropped: a message handed on carries the server's own (XEP-0203 §5)", async () => {
    await hibernated('gina', 'phone');
    const bob = await bound('bob', 'six');
    const sent = Date.now();
    bob.send(xml('message', { to: 'gina@localhost/phone', type: 'chat', id: 'forged' }, xml('body', {}, 'forged stamp'),
      xml('delay', { xmlns: 'urn:xmpp:delay', from: 'LocalHost', stamp: '2001-01-01T00:00:00Z' })));
    await bob.settle();
    await expired('gina@localhost/phone');
    const next = await bound('gina', 'laptop');
    next.send(xml('presence'));
    const got = messages(await next.settle());
    assert.deepEqual(bodies(got), ['forged stamp']);
    const stamps = got[0]!.getChildren('delay', 'urn:xmpp:delay').map((d) => Date.parse(d.attrs.stamp as string));
    assert.equal(stamps.length, 1, got[0]!.toString());
    assert.ok(stamps[0]! >= sent - 1000 && stamps[0]! <= Date.now(), 'when the server first sent it');
  });

  it('a carbons resource of negative priority gets no copy of a message stored offline, which it gets once it may receive it', async () => {
    const low = await live('dave', 'low', { carbons: true, priority: -1 });
    const bob = await bound('bob', 'five');
    bob.send(chat('dave@localhost', 'while away'));
    await bob.settle();
    const before = messages(await low.settle());
    low.send(xml('presence', {}, xml('priority', {}, '1')));
    const after = messages(await low.settle());
    assert.deepEqual([...before, ...after].map(bodyOf), ['while away'], 'one copy in all');
  });
});
