// When push notifications (XEP-0357 §7) go out, over real sockets, with sender and body included
// by configuration: the summary fields, messages that warrant none (chat states, errors, the
// no-store hint), one notification per burst, and messages held for a session whose connection
// dropped and that waits to be resumed (XEP-0198 §5). The push service is a stand-in on a second
// local domain (test/support/push-service.ts).
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { PUSH_HOST, PushService, withPushHost } from '../support/push-service.js';
import { SmPeers, waitFor, type SmPeer } from '../support/sm-peer.js';
import { receivedBeforePing } from '../support/sync.js';
import { Jid } from '../../src/xmpp/jid.js';

const NS_PUSH = 'urn:xmpp:push:0';

const enable = (node: string): Element => xml('iq', { type: 'set', id: `enable-${node}` }, xml('enable', { xmlns: NS_PUSH, jid: PUSH_HOST, node }));
const chat = (to: string, body: string, ...extra: Element[]): Element =>
  xml('message', { to, type: 'chat', id: body }, xml('body', {}, body), ...extra);

describe('push notifications: when they go out (XEP-0357 §7)', function () {
  this.timeout(20000);
  let ts: TestServer;
  let ca: string;
  let service: PushService;
  let bob: RawClient;
  const clients: RawClient[] = [];
  const peers = new SmPeers(() => ({ port: ts.c2sPort, ca }));

  async function login(user: string, resource: string): Promise<RawClient> {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(c);
    await c.login(user, `pw-${user}`, resource);
    return c;
  }

  /** Registers a device for `user` from a fresh session, which then logs out. */
  async function register(user: string, node: string): Promise<void> {
    const c = await login(user, `setup-${node}`);
    assert.equal((await c.iq(enable(node))).attrs.type, 'result');
    await offline(c, user);
  }

  async function offline(c: RawClient, user: string): Promise<void> {
    await c.close();
    await waitFor(() => ts.server.sessions.resources(Jid.parse(`${user}@localhost`)).length === 0, `${user} offline`);
  }

  /** The account comes online (available presence) and leaves again: its burst is over. */
  async function comeBack(user: string): Promise<void> {
    const c = await login(user, 'back');
    c.send(xml('presence'));
    await receivedBeforePing(c);
    await offline(c, user);
  }

  /** Sends from bob and waits until the server handled it. */
  async function fromBob(...stanzas: Element[]): Promise<void> {
    for (const s of stanzas) bob.send(s);
    await receivedBeforePing(bob);
  }

  /** An SM peer's IQ, answered on its stream (so its count of received stanzas stays right). */
  async function iq(peer: SmPeer, el: Element): Promise<Element> {
    peer.send(el);
    return peer.take((e) => e.name === 'iq' && e.attrs.id === el.attrs.id);
  }

  /** A bound, available, resumable session that enabled push for `node`; returns it and its SM-ID. */
  async function resumableDevice(user: string, resource: string, node: string): Promise<{ peer: SmPeer; previd: string }> {
    const peer = await peers.bound(user, resource);
    assert.equal((await iq(peer, enable(node))).attrs.type, 'result');
    const enabled = await peer.enable({ resume: 'true' });
    peer.send(xml('presence'));
    await peer.settle();
    return { peer, previd: enabled.attrs.id as string };
  }

  /** Cuts the peer's connection and waits until its session hibernates. */
  async function cut(peer: SmPeer, full: string): Promise<void> {
    peer.client.destroy();
    await peer.leftovers();
    const session = ts.server.sessions.get(Jid.parse(full));
    await waitFor(() => session?.hibernating === true, `${full} hibernating`);
  }

  before(async () => {
    ts = await startTestServer((c) => {
      withPushHost(c);
      c.modules = { ...c.modules, push: { include_body: true, include_sender: true } };
    });
    ca = await ts.ca();
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'gina', 'harry', 'ivan']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    service = new PushService(ts);
    bob = await login('bob', 'desk');
  });
  afterEach(() => {
    assert.equal(service.untaken, 0, 'every notification was expected');
  });
  after(async () => {
    service.close();
    await peers.closeAll();
    await Promise.all(clients.map((c) => c.close()));
    await ts.stop();
  });

  it('tells the message count, pending subscription requests, the last sender and body when configured (§7, §10.3.1)', async () => {
    await register('alice', 'a1');
    await fromBob(xml('presence', { to: 'alice@localhost', type: 'subscribe' }), chat('alice@localhost', 'Wherefore art thou, Romeo?'));
    const n = await service.nextNotification();
    assert.equal(n.node, 'a1');
    assert.deepEqual(n.summary, {
      FORM_TYPE: 'urn:xmpp:push:summary',
      'message-count': '1',
      'pending-subscription-count': '1',
      'last-message-sender': 'bob@localhost/desk',
      'last-message-body': 'Wherefore art thou, Romeo?',
    });
    assert.equal(n.options, undefined, 'no publish options were given');
  });

  it('sends none for chat states, receipts, errors, headlines and no-store messages; the next message with a body is the first notified (§7)', async () => {
    await register('carol', 'c1');
    await fromBob(
      xml('message', { to: 'carol@localhost', type: 'chat' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })),
      xml('message', { to: 'carol@localhost', type: 'chat' }, xml('received', { xmlns: 'urn:xmpp:receipts', id: 'x' })),
      xml('message', { to: 'carol@localhost', type: 'error' }, xml('body', {}, 'error')),
      xml('message', { to: 'carol@localhost', type: 'headline' }, xml('body', {}, 'headline')),
      chat('carol@localhost', 'no-store', xml('no-store', { xmlns: 'urn:xmpp:hints' })),
      chat('carol@localhost', 'the one'),
    );
    const n = await service.nextNotification();
    assert.equal(n.summary['last-message-body'], 'the one');
    assert.equal(n.summary['message-count'], '1', 'nothing before it was counted');
  });

  it('notifies a device once per burst, counting the messages meanwhile, and again after the account came back (rate limit)', async () => {
    await register('dave', 'd1');
    await fromBob(chat('dave@localhost', 'first'));
    assert.equal((await service.nextNotification()).summary['last-message-body'], 'first');
    await fromBob(chat('dave@localhost', 'second'), chat('dave@localhost', 'third'));
    // The device enables push again (e.g. its app restarted): its next notification goes out.
    await register('dave', 'd1');
    await fromBob(chat('dave@localhost', 'fourth'));
    const n = await service.nextNotification();
    assert.deepEqual([n.summary['last-message-body'], n.summary['message-count']], ['fourth', '4'], 'second and third sent nothing');
    await comeBack('dave');
    await fromBob(chat('dave@localhost', 'fifth'));
    const after = await service.nextNotification();
    assert.deepEqual([after.summary['last-message-body'], after.summary['message-count']], ['fifth', '1']);
  });

  it('notifies when a message is queued for a session that hibernates (XEP-0198 §5), not while it is connected', async () => {
    const { peer } = await resumableDevice('erin', 'phone', 'e1');
    await fromBob(chat('erin@localhost', 'while connected'));
    await peer.take((e) => e.name === 'message');
    await cut(peer, 'erin@localhost/phone');
    await fromBob(chat('erin@localhost', 'while away'));
    const n = await service.nextNotification();
    assert.deepEqual([n.node, n.summary['last-message-body'], n.summary['message-count']], ['e1', 'while away', '1']);
    // Addressed to the hibernated resource: the same burst, no second notification.
    await fromBob(chat('erin@localhost/phone', 'to the resource'));
  });

  it('starts a new burst when the hibernated session is resumed, and notifies for a message to its full JID after the next drop', async () => {
    const { peer, previd } = await resumableDevice('gina', 'phone', 'g1');
    await cut(peer, 'gina@localhost/phone');
    await fromBob(chat('gina@localhost', 'one'));
    assert.equal((await service.nextNotification()).summary['last-message-body'], 'one');
    const again = await peers.authenticated('gina');
    assert.equal((await again.resume(previd, peer.h)).name, 'resumed');
    await again.settle();
    again.ack();
    await cut(again, 'gina@localhost/phone');
    await fromBob(chat('gina@localhost/phone', 'two'));
    const n = await service.nextNotification();
    assert.deepEqual([n.summary['last-message-body'], n.summary['message-count']], ['two', '1']);
  });

  it('notifies for a message a session never acknowledged when it ends, stored offline then (XEP-0198 §4)', async () => {
    const peer = await peers.bound('ivan', 'phone');
    assert.equal((await iq(peer, enable('i1'))).attrs.type, 'result');
    await peer.enable({});
    peer.send(xml('presence'));
    await peer.settle();
    await fromBob(chat('ivan@localhost', 'unacknowledged'));
    await peer.take((e) => e.name === 'message');
    assert.equal(service.untaken, 0, 'delivered to a connected session: no notification');
    // Not resumable: the session ends with the connection, and the message goes offline.
    peer.client.destroy();
    const n = await service.nextNotification();
    assert.deepEqual([n.node, n.summary['last-message-body']], ['i1', 'unacknowledged']);
    const back = await login('ivan', 'back');
    back.send(xml('presence'));
    const stored = (await receivedBeforePing(back)).filter((e) => e.name === 'message');
    assert.deepEqual(stored.map((m) => m.getChildText('body')), ['unacknowledged'], 'and it was stored offline');
  });

  it('does not notify a device that is connected when another resource of the account hibernates', async () => {
    const { peer: phone } = await resumableDevice('harry', 'phone', 'harry-phone');
    const desk = await peers.bound('harry', 'desk');
    assert.equal((await iq(desk, enable('harry-desk'))).attrs.type, 'result');
    desk.send(xml('presence'));
    await desk.settle();
    await cut(phone, 'harry@localhost/phone');
    await fromBob(chat('harry@localhost', 'for both'));
    const n = await service.nextNotification();
    assert.equal(n.node, 'harry-phone');
    // Both devices' notifications would have gone out together: none is left for the desk.
    assert.equal(service.untaken, 0);
  });
});
