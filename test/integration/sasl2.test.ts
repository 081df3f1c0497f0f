// SASL2 (XEP-0388) with Bind 2 (XEP-0386) over real sockets: the feature after TLS, a SCRAM
// login that binds a resource with carbons, stream management and an inactive client state in
// the same round trip, no stream restart, and logins without Bind 2 that bind the classic way.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { sasl2Suite } from '../support/sasl2-suite.js';
import { receivedBeforePing } from '../support/sync.js';
import {
  NS_BIND2, NS_FAST, NS_SASL2, NS_SM, authenticationOf, firstChild, requestToken, sasl2Fast, sasl2Mechanisms, sasl2Scram, secured, tokenOf,
} from '../support/sasl2-client.js';

const CARBONS = 'urn:xmpp:carbons:2';
const CSI = 'urn:xmpp:csi:0';
const TAG_JID = /^alice@localhost\/AwesomeXMPP\/[A-Za-z0-9_-]{8}$/;

describe('SASL2 and Bind 2 (XEP-0388, XEP-0386)', () => {
  const suite = sasl2Suite(['alice', 'bob']);
  const connect = (): ReturnType<typeof suite.connect> => suite.connect();
  const raw = async (): Promise<RawClient> => suite.track(await RawClient.connect({ port: suite.ts.c2sPort, ca: suite.ca }));

  it('offers <authentication/> only after TLS, with the classic mechanisms and inline sm, bind (carbons, csi, sm) and fast (§"Discovering Support")', async () => {
    const plain = await raw();
    assert.equal(authenticationOf(await plain.open()), undefined, 'not before STARTTLS');
    const { client, features } = await connect();
    const auth = authenticationOf(features);
    assert.ok(auth);
    assert.deepEqual(sasl2Mechanisms(features), client.mechanisms(features));
    const inline = auth.getChild('inline')!;
    assert.ok(inline.getChild('sm', NS_SM));
    const bind = inline.getChild('bind', NS_BIND2)!;
    assert.deepEqual(bind.getChild('inline')!.getChildren('feature').map((f) => f.attrs.var).sort(), [CARBONS, CSI, NS_SM].sort());
    assert.deepEqual(inline.getChild('fast', NS_FAST)!.getChildren('mechanism').map((m) => m.getText()),
      ['HT-SHA-256-EXPR', 'HT-SHA-256-ENDP', 'HT-SHA-256-NONE']);
    assert.equal(inline.getChild('fast', NS_FAST)!.attrs['tls-0rtt'], undefined, 'no TLS early data');
  });

  it('logs in with SCRAM-SHA-256 and binds tag/random with carbons, SM and CSI inline; features follow without a restart (XEP-0386 §"Performing the bind")', async () => {
    const { client, features } = await connect();
    const headerBefore = client.received.match(/<stream:stream/g)?.length;
    const result = await sasl2Scram(client, features, 'alice', 'pw-alice', {
      bind: { tag: 'AwesomeXMPP', requests: [xml('enable', { xmlns: CARBONS }), xml('enable', { xmlns: NS_SM, resume: 'true' }), xml('inactive', { xmlns: CSI })] },
    });
    assert.ok(result.ok, `login failed: ${result.ok ? '' : result.condition}`);
    const jid = result.success.getChildText('authorization-identifier')!;
    assert.match(jid, TAG_JID, 'XEP-0386 §"Resource identifier generation": tag, slash, random');
    const bound = result.success.getChild('bound', NS_BIND2)!;
    const enabled = bound.getChild('enabled', NS_SM)!;
    assert.equal(enabled.attrs.resume, 'true');
    assert.ok(enabled.attrs.id);
    assert.equal(bound.getChildren('enabled').length, 1, 'carbons and CSI answer nothing');
    assert.equal(result.features.getChild('bind'), undefined, 'a bound stream offers no resource binding');
    assert.equal(result.features.getChild('sm', NS_SM), undefined, 'SM is already enabled');
    assert.ok(result.features.getChild('csi', CSI));
    assert.equal(client.received.match(/<stream:stream/g)?.length, headerBefore, 'no new stream header: no restart');

    // The session is live: carbons are on, and the client started inactive, so bob's presence waits.
    const bob = await raw();
    const bobJid = await bob.login('bob', 'pw-bob', 'desk');
    bob.send(xml('presence', { to: jid }, xml('status', {}, 'here')));
    await receivedBeforePing(bob);
    // <a/> is no stanza: it passes no filter, so what came before it is all that was let through.
    client.send(xml('r', { xmlns: NS_SM }));
    const early: Element[] = [];
    const a = await client.expect((e) => e.name === 'a' || (early.push(e), false));
    assert.deepEqual(early, [], 'presence held back: CSI inactive inline');
    assert.equal(a.attrs.h, '0', 'stream management counts from the bind');
    const other = await raw();
    await other.login('alice', 'pw-alice', 'laptop');
    other.send(xml('message', { to: bobJid, type: 'chat', id: 'c1' }, xml('body', {}, 'hi bob')));
    await receivedBeforePing(other);
    const seen = (await receivedBeforePing(client)).filter((e) => e.name === 'presence' || e.name === 'message');
    // The carbon is urgent, so CSI lets the held presence go first (XEP-0352 §3.2).
    assert.deepEqual(seen.map((e) => e.name), ['presence', 'message']);
    assert.ok(seen[1]!.getChild('sent', CARBONS), 'a sent carbon arrived: XEP-0280 enabled inline');
  });

  it('without Bind 2: <success/> names the bare JID, then classic resource binding on the same stream (§"Success")', async () => {
    const { client, features } = await connect();
    const result = await sasl2Scram(client, features, 'alice', 'pw-alice');
    assert.ok(result.ok);
    assert.equal(result.success.getChildText('authorization-identifier'), 'alice@localhost');
    assert.equal(result.success.getChild('bound'), undefined);
    assert.ok(result.features.getChild('bind', 'urn:ietf:params:xml:ns:xmpp-bind'));
    assert.ok(result.features.getChild('sm', NS_SM));
    assert.equal(await client.bind('classic'), 'alice@localhost/classic');
  });

  it('an invalid tag leaves only the random part, and a tag makes no two resources alike', async () => {
    const a = await connect();
    const r1 = await sasl2Scram(a.client, a.features, 'alice', 'pw-alice', { bind: { tag: 'x'.repeat(1100) } });
    assert.ok(r1.ok);
    assert.match(r1.success.getChildText('authorization-identifier')!, /^alice@localhost\/[A-Za-z0-9_-]{8}$/);
    const b = await connect();
    const c = await connect();
    const r2 = await sasl2Scram(b.client, b.features, 'alice', 'pw-alice', { bind: { tag: 'Same' } });
    const r3 = await sasl2Scram(c.client, c.features, 'alice', 'pw-alice', { bind: { tag: 'Same' } });
    assert.ok(r2.ok && r3.ok);
    assert.notEqual(r2.success.getChildText('authorization-identifier'), r3.success.getChildText('authorization-identifier'));
  });

  it('a new Bind 2 session of the same client (user-agent id) ends the earlier one with conflict (XEP-0386 §"Performing the bind")', async () => {
    const id = '6f0b2a4e-8d3c-4b1a-9e7f-0c2d4e6f8a1b';
    const first = await connect();
    assert.ok((await sasl2Scram(first.client, first.features, 'alice', 'pw-alice', { userAgentId: id, bind: { tag: 'Phone' } })).ok);
    const another = await connect();
    assert.ok((await sasl2Scram(another.client, another.features, 'alice', 'pw-alice', { bind: { tag: 'Phone' } })).ok);
    const second = await connect();
    assert.ok((await sasl2Scram(second.client, second.features, 'alice', 'pw-alice', { userAgentId: id, bind: { tag: 'Phone' } })).ok);
    assert.equal(await first.client.streamError(), 'conflict');
    const alive = await receivedBeforePing(another.client);
    assert.deepEqual(alive.filter((e) => e.name === 'stream:error'), [], 'a session of another client stays');
  });

  it('answers a wrong password and an unknown account alike, in the SASL2 namespace with the RFC 6120 condition; the stream stays (§"Failure")', async () => {
    const { client, features } = await connect();
    const wrong = await sasl2Scram(client, features, 'alice', 'not-her-password', { bind: { tag: 'T' } });
    const unknown = await sasl2Scram(client, features, 'nobody', 'whatever');
    assert.ok(!wrong.ok && !unknown.ok);
    assert.equal(wrong.element?.attrs.xmlns, NS_SASL2);
    assert.equal(wrong.element?.getChild('not-authorized')?.attrs.xmlns, 'urn:ietf:params:xml:ns:xmpp-sasl');
    assert.equal(wrong.element?.toString(), unknown.element?.toString(), 'no account enumeration');
    const ok = await sasl2Scram(client, features, 'alice', 'pw-alice');
    assert.ok(ok.ok, 'a failed attempt changes nothing: the next one works');
    assert.equal(ok.success.getChildText('authorization-identifier'), 'alice@localhost', 'the failed bind was not processed');
  });

  it('logs in with SCRAM-SHA-256-PLUS (tls-exporter) and PLAIN over TLS', async () => {
    const a = await connect();
    assert.ok((await sasl2Scram(a.client, a.features, 'alice', 'pw-alice', {}, { mechanism: 'SCRAM-SHA-256-PLUS' })).ok);
    const b = await connect();
    b.client.send(xml('authenticate', { xmlns: NS_SASL2, mechanism: 'PLAIN' }, xml('initial-response', {}, Buffer.from('\0alice\0pw-alice').toString('base64'))));
    const success = await b.client.next();
    assert.equal(success?.name, 'success');
    assert.equal(success?.getChildText('authorization-identifier'), 'alice@localhost');
    assert.equal(success?.getChild('additional-data'), undefined, 'PLAIN has no additional data');
  });

  it('a non-empty authzid must match the stream\'s from (§"Initiation")', async () => {
    const a = await secured({ port: suite.ts.c2sPort, ca: suite.ca, tlsPort: suite.ts.tlsPort, from: 'bob@localhost' });
    suite.track(a.client);
    const r = await sasl2Scram(a.client, a.features, 'alice', 'pw-alice', {}, { authzid: 'alice@localhost' });
    assert.ok(!r.ok);
    assert.equal(r.condition, 'invalid-authzid');
    const b = await secured({ port: suite.ts.c2sPort, ca: suite.ca, tlsPort: suite.ts.tlsPort, from: 'alice@localhost' });
    suite.track(b.client);
    assert.ok((await sasl2Scram(b.client, b.features, 'alice', 'pw-alice', {}, { authzid: 'alice@localhost' })).ok);
  });

  it('<abort/> ends the exchange with aborted; a challenge without initial response asks for one', async () => {
    const { client } = await connect();
    client.send(xml('authenticate', { xmlns: NS_SASL2, mechanism: 'SCRAM-SHA-256' }));
    const challenge = await client.next();
    assert.equal(challenge?.name, 'challenge');
    assert.equal(challenge?.getText(), '', 'an empty challenge asks for the initial response');
    client.send(xml('abort', { xmlns: NS_SASL2 }));
    const failure = await client.next();
    assert.equal(failure?.name, 'failure');
    assert.equal(firstChild(failure), 'aborted');
  });
});

describe('Bind 2 and the resource limit (RFC 6120 §7.6.2.1)', () => {
  const suite = sasl2Suite(['carol', 'dora'], (c) => {
    c.limits.max_resources_per_account = 2;
  });

  it('refuses a new resource past the limit with temporary-auth-failure; the same client replacing itself still binds', async () => {
    const ids = ['0b6f2a4e-8d3c-4b1a-9e7f-0c2d4e6f8a11', '0b6f2a4e-8d3c-4b1a-9e7f-0c2d4e6f8a12', '0b6f2a4e-8d3c-4b1a-9e7f-0c2d4e6f8a13'];
    const login = async (id: string): Promise<Awaited<ReturnType<typeof sasl2Scram>>> => {
      const { client, features } = await suite.connect();
      return sasl2Scram(client, features, 'carol', 'pw-carol', { userAgentId: id, bind: { tag: 'Dev' } });
    };
    assert.ok((await login(ids[0]!)).ok);
    assert.ok((await login(ids[1]!)).ok);
    const third = await login(ids[2]!);
    assert.ok(!third.ok, 'a third client is refused');
    assert.ok(third.element?.getChild('temporary-auth-failure'), third.element?.toString());
    assert.ok((await login(ids[0]!)).ok, 'a client that replaces its own session does not add a resource');
  });

  it('a login refused for the limit changes nothing: the stream may authenticate again, the client keeps its FAST token (XEP-0388 §"Failure")', async () => {
    const agent = '5d1c7e2a-3b4f-4c6d-8e9f-1a2b3c4d5e6f';
    const first = await suite.connect();
    const granted = await sasl2Scram(first.client, first.features, 'dora', 'pw-dora', { userAgentId: agent, children: [requestToken('HT-SHA-256-NONE')] });
    assert.ok(granted.ok);
    const token = tokenOf(granted.success)!.token;
    for (const id of ['5d1c7e2a-3b4f-4c6d-8e9f-1a2b3c4d5e70', '5d1c7e2a-3b4f-4c6d-8e9f-1a2b3c4d5e71']) {
      const { client, features } = await suite.connect();
      assert.ok((await sasl2Scram(client, features, 'dora', 'pw-dora', { userAgentId: id, bind: { tag: 'Full' } })).ok);
    }
    const { client, features } = await suite.connect();
    const refused = await sasl2Scram(client, features, 'dora', 'pw-dora', { userAgentId: agent, bind: { tag: 'Extra' }, children: [requestToken('HT-SHA-256-NONE')] });
    assert.ok(!refused.ok && refused.element?.getChild('temporary-auth-failure'), refused.ok ? 'logged in' : refused.element?.toString());
    assert.ok((await sasl2Scram(client, features, 'dora', 'pw-dora', { userAgentId: agent })).ok, 'the stream is not authenticated yet');
    const again = await suite.connect();
    assert.ok((await sasl2Fast(again.client, 'HT-SHA-256-NONE', 'dora', token, { userAgentId: agent })).ok, 'the token issued before still works');
  });
});
