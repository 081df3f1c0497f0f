// Stream negotiation over real sockets (RFC 6120 §4-§7): headers, STARTTLS, direct TLS
// (XEP-0368), SASL SCRAM and PLAIN with their failures, resource binding.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { RawClient, failureCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createLogger } from '../../src/util/log.js';

describe('c2s negotiation (RFC 6120)', () => {
  let ts: TestServer;
  let ca: string;
  const clients: RawClient[] = [];
  const connect = async (directTls = false): Promise<RawClient> => {
    const c = await RawClient.connect({ port: directTls ? ts.tlsPort : ts.c2sPort, directTls, ca });
    clients.push(c);
    return c;
  };

  before(async () => {
    ts = await startTestServer((c) => {
      c.auth.max_attempts_per_stream = 3;
    });
    ca = await ts.ca();
    await ts.addUser('alice@localhost', 'wonderland');
    await ts.addUser('bob@localhost', 'builder');
    await ts.addUser('frank@localhost', 'frank-pw');
    await ts.addUser('grace@localhost', 'grace-pw');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  it('answers the stream header with id, from, version 1.0 and only required STARTTLS before TLS (§4.7, §5.3.1)', async () => {
    const c = await connect();
    const features = await c.open();
    assert.equal(c.header?.from, 'localhost');
    assert.equal(c.header?.version, '1.0');
    assert.ok(c.header?.id && c.header.id.length >= 8);
    assert.ok(features.getChild('starttls')?.getChild('required'));
    assert.equal(features.getChild('mechanisms'), undefined);
  });

  it('sends a new stream id in every response header, after STARTTLS and SASL too (§4.3.3)', async () => {
    const c = await connect();
    await c.open();
    const first = c.header?.id;
    const f = await c.starttls();
    const second = c.header?.id;
    assert.equal(await c.scram(f, 'alice', 'wonderland', 'SCRAM-SHA-256'), 'success');
    await c.open();
    const third = c.header?.id;
    assert.equal(new Set([first, second, third]).size, 3);
  });

  it('offers SCRAM-PLUS, SCRAM and PLAIN with XEP-0440 channel-binding types after STARTTLS (§6.3.3)', async () => {
    const c = await connect();
    await c.open();
    const features = await c.starttls();
    assert.deepEqual(c.mechanisms(features), ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
    assert.deepEqual(c.channelBindingTypes(features).sort(), ['tls-exporter', 'tls-server-end-point']);
    assert.equal(features.getChild('starttls'), undefined, 'STARTTLS is not offered twice');
    assert.ok(['TLSv1.2', 'TLSv1.3'].includes(c.tlsSocket!.getProtocol() ?? ''));
  });

  for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS'] as const) {
    it(`authenticates with ${mech} and binds a requested resource (RFC 5802, RFC 7677, §7)`, async () => {
      const c = await connect();
      const jid = await c.login('alice', 'wonderland', 'desk', mech);
      assert.equal(jid, 'alice@localhost/desk');
    });
  }

  it('authenticates with SCRAM-SHA-256-PLUS using tls-server-end-point (RFC 5929)', async () => {
    const c = await connect();
    await c.open();
    const features = await c.starttls();
    assert.equal(await c.scram(features, 'bob', 'builder', 'SCRAM-SHA-256-PLUS', 'tls-server-end-point'), 'success');
  });

  it('detects a channel-binding downgrade: gs2 flag y while -PLUS was offered fails (RFC 5802 §6)', async () => {
    const c = await connect();
    await c.open();
    const features = await c.starttls();
    assert.equal(await c.scram(features, 'bob', 'builder', 'SCRAM-SHA-256', 'tls-exporter', 'y'), 'not-authorized');
  });

  it('logs in over direct TLS on the XEP-0368 port', async () => {
    const c = await connect(true);
    const jid = await c.login('bob', 'builder', 'tls');
    assert.equal(jid, 'bob@localhost/tls');
  });

  it('rejects a wrong password and an unknown user alike with not-authorized (§6.5.10)', async () => {
    const c = await connect();
    await c.open();
    const features = await c.starttls();
    assert.equal(await c.scram(features, 'grace', 'wrong', 'SCRAM-SHA-256'), 'not-authorized');
    assert.equal(await c.scram(features, 'nobody', 'whatever', 'SCRAM-SHA-256'), 'not-authorized');
    assert.equal(await c.plain('grace', 'wrong'), 'not-authorized');
  });

  it('closes the stream after max_attempts_per_stream failed attempts, 3 here (§6.4.5)', async () => {
    const c = await connect();
    await c.open();
    const features = await c.starttls();
    for (let i = 0; i < 3; i++) await c.scram(features, 'frank', `bad${i}`, 'SCRAM-SHA-1');
    assert.equal(await c.streamError(), 'policy-violation');
    await c.closed;
  });

  it('accepts PLAIN over TLS and refuses an unknown mechanism with invalid-mechanism (§6.5.5)', async () => {
    const c = await connect();
    await c.open();
    await c.starttls();
    c.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'/>");
    assert.equal(failureCondition(await c.next()), 'invalid-mechanism');
    assert.equal(await c.plain('alice', 'wonderland'), 'success');
  });

  it('refuses SASL before the required STARTTLS with encryption-required (§5.3.1, §6.5.3)', async () => {
    const c = await connect();
    await c.open();
    c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0alice\0wonderland').toString('base64')}</auth>`);
    assert.equal(failureCondition(await c.next()), 'encryption-required');
  });

  it('answers a SASL abort with aborted and lets the client start again (§6.4.4)', async () => {
    const c = await connect();
    await c.open();
    await c.starttls();
    c.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'/>");
    assert.equal((await c.next())?.name, 'challenge');
    c.write("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    assert.equal(failureCondition(await c.next()), 'aborted');
    assert.equal(await c.plain('alice', 'wonderland'), 'success');
  });

  it('tells an absent initial response from an empty one ("=") (§6.4.2)', async () => {
    const c = await connect();
    await c.open();
    await c.starttls();
    // "=" is a response with no data, which no offered mechanism accepts as its first message.
    c.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>=</auth>");
    assert.equal(failureCondition(await c.next()), 'malformed-request');
    // No initial response: an empty challenge asks for it.
    c.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>");
    const challenge = await c.next();
    assert.equal(challenge?.name, 'challenge');
    assert.equal(challenge?.getText(), '');
    c.write(`<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${Buffer.from('\0alice\0wonderland').toString('base64')}</response>`);
    assert.equal((await c.next())?.name, 'success');
  });

  it('rejects bad base64 in a SASL response with incorrect-encoding (§6.5.4)', async () => {
    const c = await connect();
    await c.open();
    await c.starttls();
    c.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>not*base64!</auth>");
    assert.equal(failureCondition(await c.next()), 'incorrect-encoding');
  });

  it('generates a resource when the client asks for none, and answers the legacy session IQ (§7.6, RFC 3921 §3)', async () => {
    const c = await connect();
    let features = await c.open();
    features = await c.starttls();
    assert.equal(await c.scram(features, 'alice', 'wonderland', 'SCRAM-SHA-256'), 'success');
    const bound = await c.open();
    assert.ok(bound.getChild('bind'));
    assert.ok(bound.getChild('session')?.getChild('optional'));
    const jid = await c.bind();
    assert.match(jid, /^alice@localhost\/.{6,}$/);
    c.write("<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
    const res = await c.expect((e) => e.attrs.id === 's1');
    assert.equal(res.attrs.type, 'result');
    // RFC 3921 §3's own example addresses it to the server.
    c.write("<iq to='localhost' type='set' id='s2'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
    assert.equal((await c.expect((e) => e.attrs.id === 's2')).attrs.type, 'result');
  });

  it('replaces the session of a conflicting bind and sends the old one a conflict stream error (§7.7.2.2)', async () => {
    const first = await connect();
    await first.login('bob', 'builder', 'phone');
    const second = await connect();
    assert.equal(await second.login('bob', 'builder', 'phone'), 'bob@localhost/phone');
    assert.equal(await first.streamError(), 'conflict');
    await first.closed;
    const pong = await second.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    assert.equal(pong.attrs.type, 'result');
  });
});

describe('failed-login throttling', () => {
  let ts: TestServer;
  let ca: string;
  const logged: Array<Record<string, unknown>> = [];
  before(async () => {
    const log = createLogger({ level: 'info', format: 'json', write: (line) => logged.push(JSON.parse(line) as Record<string, unknown>) });
    ts = await startTestServer((c) => {
      c.auth.max_failures_per_account = 2;
      c.auth.max_failures_per_address = 5;
    }, { log });
    ca = await ts.ca();
    await ts.addUser('henry@localhost', 'henry-pw');
    await ts.addUser('iris@localhost', 'iris-pw');
  });
  after(() => ts.stop());

  const attempt = async (user: string, password: string): Promise<string> => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    await c.open();
    const features = await c.starttls();
    const r = await c.scram(features, user, password, 'SCRAM-SHA-256');
    c.destroy();
    return r;
  };

  it('refuses even the right password with temporary-auth-failure once an account has too many failures', async () => {
    assert.equal(await attempt('henry', 'x1'), 'not-authorized');
    assert.equal(await attempt('henry', 'x2'), 'not-authorized');
    assert.equal(await attempt('henry', 'henry-pw'), 'temporary-auth-failure');
    // Other accounts are not affected by this account's counter.
    assert.equal(await attempt('iris', 'iris-pw'), 'success');
    // What an admin (or fail2ban) needs: who, from where; one warning when the lock begins.
    const failed = logged.filter((l) => l.msg === 'authentication failed');
    assert.deepEqual(failed.map((l) => [l.user, l.condition, l.address]), [
      ['henry', 'not-authorized', '127.0.0.1'], ['henry', 'not-authorized', '127.0.0.1'], ['henry', 'temporary-auth-failure', '127.0.0.1'],
    ]);
    const lockouts = logged.filter((l) => l.level === 'warn' && String(l.msg).startsWith('too many failed logins'));
    assert.deepEqual(lockouts.map((l) => [l.msg, l.user]), [['too many failed logins for an account: its logins are refused for a while', 'henry']]);
    assert.equal(logged.find((l) => l.msg === 'authenticated')?.address, '127.0.0.1');
    assert.ok(!JSON.stringify(logged).includes('henry-pw'), 'no password');
  });

  it('refuses every login from an address with too many failures', async () => {
    // Two failures so far (a refusal by throttling does not count); three more on unknown
    // users reach the per-address limit of five.
    for (const u of ['nobody1', 'nobody2', 'nobody3']) assert.equal(await attempt(u, 'x'), 'not-authorized');
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    await c.open();
    await c.starttls();
    assert.equal(await c.plain('iris', 'iris-pw'), 'temporary-auth-failure');
    c.destroy();
  });
});

describe('failed-login throttling counts only wrong passwords against an account', () => {
  let ts: TestServer;
  let ca: string;
  before(async () => {
    ts = await startTestServer((c) => {
      c.auth.max_failures_per_account = 2;
    });
    ca = await ts.ca();
    await ts.addUser('judy@localhost', 'judy-pw');
  });
  after(() => ts.stop());

  it('a client trying unsupported channel bindings (malformed-request) does not lock the account', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect({ port: ts.c2sPort, ca });
      await c.open();
      const f = await c.starttls();
      assert.equal(await c.scram(f, 'judy', 'judy-pw', 'SCRAM-SHA-256-PLUS', 'tls-unique'), 'malformed-request');
      c.destroy();
    }
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    assert.equal(await c.login('judy', 'judy-pw', 'ok'), 'judy@localhost/ok');
    c.destroy();
  });
});
