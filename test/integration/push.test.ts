// Push notifications (XEP-0357) over real sockets with SQLite storage, default privacy options:
// enabling and disabling (§5, §6) with their errors, the disco feature (§4.1), registrations
// kept across restarts, a notification when a message goes offline (§7) without sender or body,
// and what the push service's error answers do (§7.1). The push service is a stand-in on a
// second local domain (test/support/push-service.ts).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml, { type Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from '../support/server.js';
import { PUSH_HOST, PushService, withPushHost } from '../support/push-service.js';
import { waitFor } from '../support/sm-peer.js';
import { receivedBeforePing } from '../support/sync.js';
import { Jid } from '../../src/xmpp/jid.js';

const NS_PUSH = 'urn:xmpp:push:0';
const PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';
const MAX = 3;

const config: ConfigChange = (c) => {
  withPushHost(c);
  c.modules = { ...c.modules, push: { max_registrations: MAX } };
};

function form(formType: string | undefined, fields: Record<string, string>): Element {
  const x = xml('x', { xmlns: 'jabber:x:data', type: 'submit' });
  if (formType !== undefined) x.append(xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)));
  for (const [k, v] of Object.entries(fields)) x.append(xml('field', { var: k }, xml('value', {}, v)));
  return x;
}

const enable = (attrs: Record<string, string>, ...children: Element[]): Element =>
  xml('iq', { type: 'set' }, xml('enable', { xmlns: NS_PUSH, ...attrs }, ...children));
const disable = (attrs: Record<string, string>): Element => xml('iq', { type: 'set' }, xml('disable', { xmlns: NS_PUSH, ...attrs }));
const chat = (to: string, body: string): Element => xml('message', { to, type: 'chat', id: body }, xml('body', {}, body));

describe('push notifications (XEP-0357)', function () {
  this.timeout(20000);
  let ts: TestServer;
  let service: PushService;
  const clients: RawClient[] = [];

  async function login(user: string, resource: string, server = ts): Promise<RawClient> {
    const c = await RawClient.connect({ port: server.c2sPort, ca: await server.ca() });
    clients.push(c);
    await c.login(user, `pw-${user}`, resource);
    return c;
  }

  /** Logs out and waits until the server has ended every session of the account. */
  async function logout(c: RawClient, bare: string, server = ts): Promise<void> {
    await c.close();
    await waitFor(() => server.server.sessions.resources(Jid.parse(bare)).length === 0, `${bare} offline`);
  }

  const registrations = (user: string, server = ts) => server.server.storage.push.list('localhost', user);

  /** Waits until `done()` resolves true, checking every few milliseconds, failing after 5 s. */
  async function eventually(done: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  before(async () => {
    ts = await startTestServer(config);
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    service = new PushService(ts);
  });
  after(async () => {
    service.close();
    await Promise.all(clients.map((c) => c.close()));
    await ts.stop();
  });

  it('announces urn:xmpp:push:0 on the account JID (§4.1)', async () => {
    const alice = await login('alice', 'disco');
    const info = await alice.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    assert.ok(features.includes(NS_PUSH), features.join(' '));
    await alice.close();
  });

  it('refuses an enable without jid or node (bad-request), with an invalid jid (jid-malformed) or a form that is not publish-options (bad-request) (§5)', async () => {
    const alice = await login('alice', 'errors');
    const cases: [Element, string, string][] = [
      [enable({ node: 'n' }), 'bad-request', 'modify'],
      [enable({ jid: PUSH_HOST }), 'bad-request', 'modify'],
      [enable({ jid: PUSH_HOST, node: '' }), 'bad-request', 'modify'],
      [enable({ jid: 'a@b@c', node: 'n' }), 'jid-malformed', 'modify'],
      [enable({ jid: PUSH_HOST, node: 'n' }, form('urn:example:other', { secret: 'x' })), 'bad-request', 'modify'],
      [enable({ jid: PUSH_HOST, node: 'n' }, form(undefined, { secret: 'x' })), 'bad-request', 'modify'],
      [disable({ node: 'n' }), 'bad-request', 'modify'],
    ];
    for (const [iq, condition, type] of cases) {
      const answer = await alice.iq(iq);
      assert.equal(answer.attrs.type, 'error', iq.toString());
      assert.equal(errorCondition(answer), condition, iq.toString());
      assert.equal(answer.getChild('error')?.attrs.type, type, iq.toString());
    }
    assert.deepEqual(await registrations('alice'), []);
    await alice.close();
  });

  it("refuses another account's enable and disable with forbidden: registrations belong to the account", async () => {
    const bob = await login('bob', 'intruder');
    for (const iq of [enable({ jid: PUSH_HOST, node: 'n' }), disable({ jid: PUSH_HOST })]) {
      iq.attrs.to = 'alice@localhost';
      const answer = await bob.iq(iq);
      assert.equal(errorCondition(answer), 'forbidden');
      assert.equal(answer.getChild('error')?.attrs.type, 'auth');
    }
    assert.deepEqual(await registrations('alice'), []);
    await bob.close();
  });

  it('keeps one registration per JID and node, replacing its options on a new enable (§5), and refuses more than max_registrations with resource-constraint', async () => {
    const carol = await login('carol', 'phone');
    assert.equal((await carol.iq(enable({ jid: PUSH_HOST, node: 'n1' }, form(PUBLISH_OPTIONS, { secret: 'old' })))).attrs.type, 'result');
    assert.equal((await carol.iq(enable({ jid: PUSH_HOST, node: 'n1' }, form(PUBLISH_OPTIONS, { secret: 'new' })))).attrs.type, 'result');
    assert.equal((await carol.iq(enable({ jid: PUSH_HOST, node: 'n2' }))).attrs.type, 'result');
    assert.equal((await carol.iq(enable({ jid: 'other.localhost', node: 'n1' }))).attrs.type, 'result');
    const refused = await carol.iq(enable({ jid: PUSH_HOST, node: 'n4' }));
    assert.equal(errorCondition(refused), 'resource-constraint');
    assert.equal(refused.getChild('error')?.attrs.type, 'cancel');
    const stored = await registrations('carol');
    assert.deepEqual(stored.map((r) => [r.jid, r.node, r.options]), [
      ['other.localhost', 'n1', []],
      [PUSH_HOST, 'n1', [{ var: 'secret', values: ['new'] }]],
      [PUSH_HOST, 'n2', []],
    ]);
    // §6: with a node, that registration; without, every one of the service; unknown ones are no error.
    assert.equal((await carol.iq(disable({ jid: PUSH_HOST, node: 'n2' }))).attrs.type, 'result');
    assert.deepEqual((await registrations('carol')).map((r) => `${r.jid} ${r.node}`), ['other.localhost n1', `${PUSH_HOST} n1`]);
    assert.equal((await carol.iq(enable({ jid: PUSH_HOST, node: 'n5' }))).attrs.type, 'result');
    assert.equal((await carol.iq(disable({ jid: PUSH_HOST }))).attrs.type, 'result');
    assert.equal((await carol.iq(disable({ jid: 'never.localhost' }))).attrs.type, 'result');
    assert.deepEqual((await registrations('carol')).map((r) => `${r.jid} ${r.node}`), ['other.localhost n1']);
    await carol.iq(disable({ jid: 'other.localhost' }));
    await carol.close();
  });

  it('publishes a notification from the server JID to the node, with the publish options, when a message goes offline; sender and body withheld by default (§7, §9)', async () => {
    const dave = await login('dave', 'phone');
    const enabled = await dave.iq(enable({ jid: PUSH_HOST, node: 'dave-node' }, form(PUBLISH_OPTIONS, { secret: 'eruio234vzxc2kla-91' })));
    assert.equal(enabled.attrs.type, 'result');
    await logout(dave, 'dave@localhost');
    const bob = await login('bob', 'desk');
    bob.send(xml('presence', { to: 'dave@localhost', type: 'subscribe' }));
    bob.send(chat('dave@localhost', 'Wherefore art thou?'));
    assert.deepEqual(await receivedBeforePing(bob), [], 'the message is stored, not bounced');

    const iq = await service.next();
    assert.equal(iq.attrs.type, 'set');
    assert.equal(iq.attrs.from, 'localhost', 'from the server JID (XEP-0357 0.3)');
    assert.equal(iq.attrs.to, PUSH_HOST);
    const pubsub = iq.getChild('pubsub', 'http://jabber.org/protocol/pubsub')!;
    const publish = pubsub.getChild('publish')!;
    assert.equal(publish.attrs.node, 'dave-node');
    const x = publish.getChild('item')!.getChild('notification', NS_PUSH)!.getChild('x', 'jabber:x:data')!;
    const fields = Object.fromEntries(x.getChildren('field').map((f) => [f.attrs.var as string, f.getChildText('value')]));
    assert.deepEqual(fields, { FORM_TYPE: 'urn:xmpp:push:summary', 'message-count': '1', 'pending-subscription-count': '1' });
    const options = pubsub.getChild('publish-options')!.getChild('x', 'jabber:x:data')!;
    assert.deepEqual(Object.fromEntries(options.getChildren('field').map((f) => [f.attrs.var as string, f.getChildText('value')])),
      { FORM_TYPE: PUBLISH_OPTIONS, secret: 'eruio234vzxc2kla-91' });
    assert.ok(!iq.toString().includes('Wherefore'), 'no body anywhere');
    await bob.close();
  });

  it('keeps a registration whose service answers with a wait error, and disables it on a cancel error (§7.1)', async () => {
    const erin = await login('erin', 'phone');
    await erin.iq(enable({ jid: PUSH_HOST, node: 'e1' }));
    await logout(erin, 'erin@localhost');
    const bob = await login('bob', 'pc');
    try {
      service.answer = { type: 'wait', condition: 'resource-constraint' };
      bob.send(chat('erin@localhost', 'one'));
      assert.equal((await service.nextNotification()).node, 'e1');

      // Erin comes back and leaves again: a new burst, which the kept registration is told about.
      const back = await login('erin', 'phone');
      back.send(xml('presence'));
      await receivedBeforePing(back);
      await logout(back, 'erin@localhost');
      service.answer = { type: 'cancel', condition: 'item-not-found' };
      bob.send(chat('erin@localhost', 'two'));
      assert.equal((await service.nextNotification()).node, 'e1', 'still registered after the wait error');
      await eventually(async () => (await registrations('erin')).length === 0, 'the registration disabled');
    } finally {
      service.answer = 'result';
      await bob.close();
    }
  });

  it('keeps registrations across a restart (§5: enabled until disabled)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'starling-push-'));
    let first: TestServer | undefined;
    let second: TestServer | undefined;
    let standIn: PushService | undefined;
    try {
      first = await startTestServer(config, { dataDir: dir });
      for (const u of ['frank', 'bob']) await first.addUser(`${u}@localhost`, `pw-${u}`);
      const frank = await login('frank', 'phone', first);
      assert.equal((await frank.iq(enable({ jid: PUSH_HOST, node: 'frank-node' }))).attrs.type, 'result');
      await frank.close();
      await first.stop();
      first = undefined;

      second = await startTestServer(config, { dataDir: dir });
      standIn = new PushService(second);
      const bob = await login('bob', 'desk', second);
      bob.send(chat('frank@localhost', 'after restart'));
      const iq = await standIn.next();
      assert.equal(iq.getChild('pubsub')?.getChild('publish')?.attrs.node, 'frank-node');
      await bob.close();
    } finally {
      standIn?.close();
      await first?.stop();
      await second?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
