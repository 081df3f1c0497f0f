// What becomes of a stream-managed session's unacknowledged stanzas when it ends without being
// resumed (XEP-0198 §4, §5): at the end of the hibernation window, past the queue bound while
// hibernated, and at server shutdown. Messages are stored offline or handed to another resource,
// IQ requests answered with an error; nothing is lost.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import { errorCondition } from '../support/raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from '../support/server.js';
import { SmPeer, SmPeers, bodies, chat, hibernate, waitFor } from '../support/sm-peer.js';

const NS_DELAY = 'urn:xmpp:delay';
const NS_SID = 'urn:xmpp:sid:0';
const WINDOW_S = 1;
const MAX_UNACKED = 10;
const shortWindow: ConfigChange = (c) => {
  c.stream_management.resume_timeout = WINDOW_S;
  c.stream_management.max_unacked = MAX_UNACKED;
};

describe('stream management: sessions that are not resumed (XEP-0198 §4, §5)', () => {
  let ts: TestServer;
  let ca: string;
  const peers = new SmPeers(() => ({ port: ts.c2sPort, ca }));
  const bound = (user: string, resource: string): Promise<SmPeer> => peers.bound(user, resource);
  const ended: Array<{ jid: string; error: string | undefined }> = [];
  const endedFor = (jid: string) => ended.find((e) => e.jid === jid);

  const hibernated = (user: string, resource: string): Promise<{ previd: string; h: number }> =>
    hibernate(peers, () => ts.server.smSessions.hibernating(), user, resource);

  before(async () => {
    ts = await startTestServer(shortWindow);
    ca = await ts.ca();
    for (const u of ['alice', 'bob', 'carol', 'dave']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    ts.server.hosts.get('localhost')!.events.on('session/closed', (ev) => {
      ended.push({ jid: ev.session.jid.full, error: ev.error });
    });
  });
  after(async () => {
    await peers.closeAll();
    await ts.stop();
  });

  it('at the end of the window stores the messages offline, stamped with when they were first sent, delivers them at the next login, and answers IQs with service-unavailable (§4)', async () => {
    const { previd, h } = await hibernated('alice', 'phone');
    const bob = await bound('bob', 'desk');
    const sentFrom = Date.now();
    bob.send(chat('alice@localhost', 'one'));
    bob.send(chat('alice@localhost/phone', 'two'));
    bob.send(xml('iq', { type: 'get', id: 'ask', to: 'alice@localhost/phone' }, xml('query', { xmlns: 'jabber:iq:version' })));
    bob.send(xml('presence', { to: 'alice@localhost/phone' }));
    const early = await bob.settle();
    const sentUntil = Date.now();
    assert.deepEqual(early, [], 'held while the session waits');
    await waitFor(() => endedFor('alice@localhost/phone') !== undefined, 'the window to end');
    assert.equal(endedFor('alice@localhost/phone')?.error, 'resumption window over');
    const answer = await bob.take((e) => e.name === 'iq' && e.attrs.id === 'ask');
    assert.deepEqual([answer.attrs.type, errorCondition(answer)], ['error', 'service-unavailable']);
    // A resumption now is too late; the client learns how many of its stanzas were handled.
    const late = await peers.authenticated('alice');
    const failed = await late.resume(previd, h);
    assert.deepEqual([failed.name, failed.attrs.h], ['failed', '3']);
    await late.client.bind('phone');
    late.send(xml('presence'));
    const got = (await late.settle()).filter((e) => e.name === 'message');
    assert.deepEqual(bodies(got), ['one', 'two']);
    for (const m of got) {
      const delay = m.getChild('delay', NS_DELAY);
      assert.equal(delay?.attrs.from, 'localhost');
      const stamp = Date.parse(delay.attrs.stamp as string);
      assert.ok(stamp >= sentFrom - 1000 && stamp <= sentUntil, 'the time it was first sent, not when the window ended');
      // XEP-0359 §4: the id the archive gave it on its way to the session is kept, not replaced.
      const ids = m.getChildren('stanza-id', NS_SID).filter((e) => e.attrs.by === 'alice@localhost').map((e) => e.attrs.id as string);
      assert.equal(ids.length, 1, m.toString());
      const archived = await ts.server.storage.archive.query('localhost', 'alice', { ids, limit: 10, fromEnd: false });
      assert.deepEqual(archived.messages.map((a) => a.id), ids, 'the archive knows the id');
    }
    assert.equal(await ts.server.storage.offline.count('localhost', 'alice'), 0);
  });

  it('hands the messages to another available resource of the account when there is one, with a delay stamp (§4)', async () => {
    const other = await bound('carol', 'desktop');
    other.send(xml('presence'));
    await other.settle();
    await hibernated('carol', 'mobile');
    other.drain();
    const bob = await bound('bob', 'office');
    bob.send(chat('carol@localhost/mobile', 'for mobile'));
    await bob.settle();
    await waitFor(() => endedFor('carol@localhost/mobile') !== undefined, 'the window to end');
    const m = await other.take((e) => e.name === 'message');
    assert.equal(m.getChildText('body'), 'for mobile');
    assert.equal(m.getChild('delay', NS_DELAY)?.attrs.from, 'localhost');
    assert.equal(await ts.server.storage.offline.count('localhost', 'carol'), 0);
  });

  it('drops the carbon copies and archive results a session never acknowledged: they were made for it alone (XEP-0280 §7, §8; XEP-0313 §4.2)', async () => {
    const desk = await bound('carol', 'desk2');
    desk.send(xml('presence'));
    await desk.settle();
    const phone = await bound('carol', 'phone2');
    await phone.enable({ resume: 'true' });
    phone.send(xml('iq', { type: 'set', id: 'cb' }, xml('enable', { xmlns: 'urn:xmpp:carbons:2' })));
    phone.send(xml('presence'));
    await phone.settle();
    phone.ack();
    const bob = await bound('bob', 'chat2');
    bob.send(chat('carol@localhost/desk2', 'hello desk'));
    await bob.settle();
    desk.send(chat('bob@localhost/chat2', 'hi bob'));
    await desk.take((e) => e.name === 'message' && e.getChildText('body') === 'hello desk');
    await bob.take((e) => e.name === 'message' && e.getChildText('body') === 'hi bob');
    phone.send(xml('iq', { type: 'set', id: 'mq' }, xml('query', { xmlns: 'urn:xmpp:mam:2', queryid: 'q1' })));
    await phone.take((e) => e.name === 'iq' && e.attrs.id === 'mq');
    const unacked = phone.drain().filter((e) => e.name === 'message').map((e) => e.children.map((c) => (typeof c === 'string' ? '' : c.name)).join());
    assert.ok(unacked.includes('received') && unacked.includes('sent') && unacked.includes('result'), `carbons and results reached the phone: ${unacked.join(' | ')}`);
    phone.client.destroy();
    await waitFor(() => endedFor('carol@localhost/phone2') !== undefined, 'the window to end');
    const messages = (p: SmPeer): Promise<string[]> => p.settle().then((got) => got.filter((e) => e.name === 'message').map((e) => e.toString()));
    assert.deepEqual(await messages(desk), [], 'nothing handed on to the other resource');
    assert.deepEqual(await messages(bob), [], 'nothing bounced');
    assert.equal(await ts.server.storage.offline.count('localhost', 'carol'), 0, 'nothing stored offline');
  });

  it('ends a session at once on a clean close, and one without resumption when its connection drops, storing what was not acknowledged (§4, §7)', async () => {
    const bob = await bound('bob', 'talker');
    for (const [resource, resume] of [['clean', 'true'], ['plain', 'false']] as const) {
      const dave = await bound('dave', resource);
      await dave.enable({ resume });
      bob.send(chat(`dave@localhost/${resource}`, `to ${resource}`));
      await bob.settle();
      await dave.take((e) => e.name === 'message');
      if (resume === 'true') await dave.client.close();
      else dave.client.destroy();
      await waitFor(() => endedFor(`dave@localhost/${resource}`) !== undefined, 'the session to end');
      assert.equal(ts.server.smSessions.hibernating().length, 0);
    }
    const next = await bound('dave', 'later');
    next.send(xml('presence'));
    assert.deepEqual(bodies(await next.settle()), ['to clean', 'to plain']);
    await next.client.close();
  });

  it(`ends a hibernated session early past ${MAX_UNACKED} waiting stanzas, storing them all (§4)`, async () => {
    await hibernated('dave', 'tab');
    const bob = await bound('bob', 'flood');
    const n = MAX_UNACKED + 1;
    for (let i = 1; i <= n; i++) bob.send(chat('dave@localhost/tab', `d${i}`));
    assert.deepEqual((await bob.settle()).filter((e) => e.name === 'message'), [], 'nothing bounced');
    await waitFor(() => endedFor('dave@localhost/tab') !== undefined, 'the session to end');
    assert.equal(endedFor('dave@localhost/tab')?.error, 'policy-violation');
    const next = await bound('dave', 'tab');
    next.send(xml('presence'));
    assert.deepEqual(bodies(await next.settle()), Array.from({ length: n }, (_, i) => `d${i + 1}`));
  });
});

describe('stream management: server shutdown (XEP-0198 §4)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-sm-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the unacknowledged messages of live and hibernated sessions before storage closes; they are there after a restart', async () => {
    const first = await startTestServer(undefined, { dataDir: dir });
    const ca = await first.ca();
    for (const u of ['alice', 'bob']) await first.addUser(`${u}@localhost`, `pw-${u}`);
    const peers = new SmPeers(() => ({ port: first.c2sPort, ca }));
    const live = await peers.bound('alice', 'live');
    await live.enable({ resume: 'true' });
    const away = await peers.bound('alice', 'away');
    await away.enable({ resume: 'true' });
    away.client.destroy();
    await away.leftovers();
    await waitFor(() => first.server.smSessions.hibernating().length === 1, 'the session to hibernate');
    const bob = await peers.bound('bob', 'pc');
    bob.send(chat('alice@localhost/live', 'seen, not acknowledged'));
    bob.send(chat('alice@localhost/away', 'waiting'));
    await bob.settle();
    await live.take((e) => e.name === 'message');
    await first.stop();

    const second = await startTestServer(undefined, { dataDir: dir });
    try {
      const secondCa = await second.ca();
      const alice = await new SmPeers(() => ({ port: second.c2sPort, ca: secondCa })).bound('alice', 'back');
      alice.send(xml('presence'));
      assert.deepEqual(bodies(await alice.settle()), ['seen, not acknowledged', 'waiting']);
      await alice.client.close();
    } finally {
      await second.stop();
    }
  });
});
