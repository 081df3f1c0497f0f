// Routing and delivery over real sockets (RFC 6120 §8, §10; RFC 6121 §8.5) and the first
// modules: disco (XEP-0030), ping (XEP-0199), version (XEP-0092), time (XEP-0202).
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let ids = 0;
const ping = (to?: string) => xml('iq', to ? { type: 'get', to, id: `p${++ids}` } : { type: 'get', id: `p${++ids}` }, xml('ping', { xmlns: 'urn:xmpp:ping' }));

describe('routing and delivery (RFC 6120 §8, RFC 6121 §8.5)', () => {
  let ts: TestServer;
  let alice: RawClient;
  let bob: RawClient;
  let bob2: RawClient;

  before(async () => {
    // Core delivery alone: without offline storage, messages for unavailable accounts bounce.
    ts = await startTestServer((c) => {
      delete c.modules.offline;
    });
    const ca = await ts.ca();
    await ts.addUser('alice@localhost', 'pw-alice');
    await ts.addUser('bob@localhost', 'pw-bob');
    await ts.addUser('offline@localhost', 'pw-offline');
    alice = await RawClient.connect({ port: ts.c2sPort, ca });
    await alice.login('alice', 'pw-alice', 'home');
    bob = await RawClient.connect({ port: ts.c2sPort, ca });
    await bob.login('bob', 'pw-bob', 'laptop');
    bob2 = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
    await bob2.login('bob', 'pw-bob', 'phone');
  });
  after(async () => {
    for (const c of [alice, bob, bob2]) c.destroy();
    await ts.stop();
  });

  it('delivers a message to a full JID with the sender\'s full JID stamped as from (§8.1.2.1)', async () => {
    alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'chat', id: 'm1' }, xml('body', {}, 'hello bob')));
    const m = await bob.expect((e) => e.name === 'message' && e.attrs.id === 'm1');
    assert.equal(m.attrs.from, 'alice@localhost/home');
    assert.equal(m.getChildText('body'), 'hello bob');
  });

  it('accepts a from equal to the sender\'s bare JID and stamps the full JID (§8.1.2.1)', async () => {
    alice.send(xml('message', { from: 'alice@localhost', to: 'bob@localhost/laptop', id: 'm2' }, xml('body', {}, 'x')));
    const m = await bob.expect((e) => e.name === 'message' && e.attrs.id === 'm2');
    assert.equal(m.attrs.from, 'alice@localhost/home');
  });

  it('bounces a chat message to a bare JID without available resources with service-unavailable (§8.5.2.2.1)', async () => {
    alice.send(xml('message', { to: 'offline@localhost', type: 'chat', id: 'm3' }, xml('body', {}, 'x')));
    const e = await alice.expect((el) => el.attrs.id === 'm3');
    assert.equal(e.attrs.type, 'error');
    assert.equal(e.attrs.from, 'offline@localhost');
    assert.equal(errorCondition(e), 'service-unavailable');
  });

  it('delivers a message to a bare JID to the available resource of highest priority (§8.5.2.1.1)', async () => {
    bob.write("<presence><priority>5</priority></presence>");
    bob2.write("<presence><priority>1</priority></presence>");
    await new Promise((r) => setTimeout(r, 100));
    alice.send(xml('message', { to: 'bob@localhost', type: 'chat', id: 'm4' }, xml('body', {}, 'to bare')));
    const m = await bob.expect((e) => e.name === 'message' && e.attrs.id === 'm4');
    assert.equal(m.attrs.to, 'bob@localhost');
    alice.send(ping('bob@localhost/phone'));
    // bob2 sees the ping (an IQ to its full JID) and not the message.
    const next = await bob2.expect((e) => e.name === 'iq' || e.name === 'message');
    assert.equal(next.name, 'iq');
    bob2.send(xml('iq', { type: 'result', id: next.attrs.id as string, to: next.attrs.from as string }));
  });

  it('delivers an IQ to a full JID and routes the result back (§8.2.3)', async () => {
    const pending = alice.iq(ping('bob@localhost/laptop'));
    const req = await bob.expect((e) => e.name === 'iq' && e.attrs.type === 'get');
    assert.equal(req.attrs.from, 'alice@localhost/home');
    bob.send(xml('iq', { type: 'result', id: req.attrs.id as string, to: req.attrs.from as string }));
    const res = await pending;
    assert.equal(res.attrs.type, 'result');
    assert.equal(res.attrs.from, 'bob@localhost/laptop');
  });

  it('stamps the language of the sender\'s stream on a stanza without its own (RFC 6120 §4.7.4)', async () => {
    const ca = await ts.ca();
    const german = await RawClient.connect({ port: ts.c2sPort, ca });
    german.lang = 'de';
    try {
      await german.login('offline', 'pw-offline', 'de');
      german.send(xml('message', { to: 'bob@localhost/laptop', type: 'chat', id: 'de1' }, xml('body', {}, 'Hallo')));
      german.send(xml('message', { to: 'bob@localhost/laptop', type: 'chat', id: 'fr1', 'xml:lang': 'fr' }, xml('body', {}, 'Salut')));
      assert.equal((await bob.expect((e) => e.attrs.id === 'de1')).attrs['xml:lang'], 'de');
      assert.equal((await bob.expect((e) => e.attrs.id === 'fr1')).attrs['xml:lang'], 'fr', 'its own is kept');
      alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'chat', id: 'en1' }, xml('body', {}, 'Hello')));
      assert.equal((await bob.expect((e) => e.attrs.id === 'en1')).attrs['xml:lang'], undefined, 'the language of every stream header the server sends needs no stamp');
    } finally {
      german.destroy();
    }
  });

  it('answers an IQ to a resource that is not online with service-unavailable (§8.5.3.2.1)', async () => {
    const res = await alice.iq(ping('bob@localhost/nowhere'));
    assert.equal(errorCondition(res), 'service-unavailable');
  });

  it('bounces a normal message to a resource that is not online and drops a headline, though others are online (§8.5.3.2.1)', async () => {
    alice.send(xml('message', { to: 'bob@localhost/nowhere', id: 'n1' }, xml('body', {}, 'normal')));
    alice.send(xml('message', { to: 'bob@localhost/nowhere', type: 'headline', id: 'h1' }, xml('body', {}, 'news')));
    const bounce = await alice.expect((e) => e.name === 'message' && e.attrs.id === 'n1');
    assert.equal(errorCondition(bounce), 'service-unavailable');
    // Each of bob's resources gets the chat message sent after them as its next message.
    for (const [c, resource] of [[bob, 'laptop'], [bob2, 'phone']] as const) {
      alice.send(xml('message', { to: `bob@localhost/${resource}`, type: 'chat', id: `after-${resource}` }, xml('body', {}, 'after')));
      assert.equal((await c.expect((e) => e.name === 'message')).attrs.id, `after-${resource}`);
    }
    const pong = await alice.iq(ping('localhost'));
    assert.equal(pong.attrs.type, 'result');
    assert.doesNotMatch(alice.received, /id="h1"/, 'no error for the headline');
  });

  it('treats a message of unknown type as normal: to an account without resources it bounces (RFC 6121 §5.2.2, §8.5.2.2.1)', async () => {
    alice.send(xml('message', { to: 'offline@localhost', type: 'whisper', id: 'u1' }, xml('thread', {}, 't1')));
    const bounce = await alice.expect((e) => e.name === 'message' && e.attrs.id === 'u1');
    assert.equal(errorCondition(bounce), 'service-unavailable');
  });

  it('answers an IQ to an unknown local user with service-unavailable, whatever its payload (§8.5.1)', async () => {
    const payloads = [
      xml('query', { xmlns: 'jabber:iq:version' }),
      xml('ping', { xmlns: 'urn:xmpp:ping' }),
      xml('vCard', { xmlns: 'vcard-temp' }),
      xml('query', { xmlns: 'jabber:iq:last' }),
      xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }),
      xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, xml('items', { node: 'urn:xmpp:avatar:metadata' })),
    ];
    for (const payload of payloads) {
      const res = await alice.iq(xml('iq', { type: 'get', to: 'nobody@localhost' }, payload));
      assert.equal(errorCondition(res), 'service-unavailable', res.toString());
    }
    // An account that exists, with no session, answers the same ping.
    assert.equal((await alice.iq(xml('iq', { type: 'get', to: 'offline@localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })))).attrs.type, 'result');
  });

  it('answers an unhandled IQ get to the server with service-unavailable (§8.4)', async () => {
    const res = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'urn:example:unknown' })));
    assert.equal(errorCondition(res), 'service-unavailable');
  });

  it('never answers an IQ result or error sent to the server (§8.2.3)', async () => {
    alice.send(xml('iq', { type: 'result', id: 'stray', to: 'localhost' }));
    alice.send(xml('iq', { type: 'error', id: 'stray2', to: 'localhost' }));
    const p = ping('localhost');
    alice.send(p);
    // Stanzas are handled in order, so an answer to the strays would arrive before this one.
    const first = await alice.next();
    assert.equal(first?.attrs.id, p.attrs.id);
    assert.equal(first?.attrs.type, 'result');
  });

  it('answers an IQ get with two children with bad-request (§8.2.3)', async () => {
    alice.write("<iq type='get' id='two' to='localhost'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>");
    const res = await alice.expect((e) => e.attrs.id === 'two');
    assert.equal(errorCondition(res), 'bad-request');
  });

  it('answers a malformed to address with jid-malformed (§8.3.3.8)', async () => {
    alice.send(xml('message', { to: 'a@b@c/d', id: 'bad-to' }, xml('body', {}, 'x')));
    const res = await alice.expect((e) => e.attrs.id === 'bad-to');
    assert.equal(errorCondition(res), 'jid-malformed');
  });

  it('answers a stanza for a remote domain with remote-server-not-found while federation is off (§8.3.3.16)', async () => {
    const res = await alice.iq(ping('example.net'));
    assert.equal(errorCondition(res), 'remote-server-not-found');
    alice.send(xml('message', { to: 'someone@example.net', type: 'chat', id: 'remote' }, xml('body', {}, 'x')));
    const m = await alice.expect((e) => e.attrs.id === 'remote');
    assert.equal(errorCondition(m), 'remote-server-not-found');
  });

  it('answers pings to the server, and to the user\'s own account without a to (XEP-0199, §10.3)', async () => {
    assert.equal((await alice.iq(ping('localhost'))).attrs.type, 'result');
    const own = await alice.iq(ping());
    assert.equal(own.attrs.type, 'result');
    assert.equal(own.attrs.from, undefined);
  });

  it('dispatches an IQ whose payload uses a namespace prefix by its local name and namespace (XML Namespaces)', async () => {
    alice.write("<iq type='get' id='pfx' to='localhost'><p:ping xmlns:p='urn:xmpp:ping'/></iq>");
    const res = await alice.expect((e) => e.attrs.id === 'pfx');
    assert.equal(res.attrs.type, 'result');
  });

  it('lists identity and module features in disco#info on the server (XEP-0030 §3.1)', async () => {
    const res = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const q = res.getChild('query')!;
    const identity = q.getChild('identity')!;
    assert.deepEqual([identity.attrs.category, identity.attrs.type], ['server', 'im']);
    const features = q.getChildren('feature').map((f) => f.attrs.var as string);
    for (const f of ['http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'urn:xmpp:ping', 'jabber:iq:version', 'urn:xmpp:time']) {
      assert.ok(features.includes(f), `missing ${f}`);
    }
    const node = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info', node: 'nope' })));
    assert.equal(errorCondition(node), 'item-not-found');
  });

  it('answers disco#info on an account to itself and to contacts it lets see its presence, not to strangers; disco#items with an empty list (XEP-0030 §8)', async () => {
    const info = (to: string) => xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
    const own = await alice.iq(info('alice@localhost'));
    assert.equal(own.getChild('query')!.getChild('identity')!.attrs.category, 'account');
    assert.equal(errorCondition(await alice.iq(info('bob@localhost'))), 'service-unavailable', 'a stranger');
    await ts.server.storage.roster.setItem('localhost', 'offline', { jid: 'alice@localhost', subscription: 'from', ask: false, approved: false, groups: [] });
    const contact = await alice.iq(info('offline@localhost'));
    assert.equal(contact.getChild('query')!.getChild('identity')!.attrs.category, 'account', 'a contact offline lets see its presence');
    const items = await alice.iq(xml('iq', { type: 'get', to: 'bob@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    assert.deepEqual([items.attrs.type, items.getChild('query')!.children.length], ['result', 0]);
  });

  it('reports name and version but not the OS by default (XEP-0092)', async () => {
    const res = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'jabber:iq:version' })));
    const q = res.getChild('query')!;
    assert.equal(q.getChildText('name'), 'Starling');
    assert.match(q.getChildText('version') ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(q.getChild('os'), undefined);
  });

  it('reports UTC time and offset (XEP-0202)', async () => {
    const res = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('time', { xmlns: 'urn:xmpp:time' })));
    const t = res.getChild('time')!;
    assert.match(t.getChildText('tzo') ?? '', /^[+-]\d{2}:\d{2}$/);
    const utc = Date.parse(t.getChildText('utc') ?? '');
    assert.ok(Math.abs(utc - Date.now()) < 5000);
  });
});
