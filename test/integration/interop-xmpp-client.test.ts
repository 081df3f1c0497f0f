// Interop with @xmpp/client 0.14 (xmpp.js), run in child Node processes by
// test/interop/xmpp-client.mjs: STARTTLS and direct TLS (RFC 6120 §5, XEP-0368), SASL
// (RFC 6120 §6), bind (§7), XEP-0199 ping, and message delivery to a bare JID (RFC 6121 §8.5.2).
// @xmpp/client checks the server certificate against the system CAs and has no option for
// another CA, so each child gets NODE_EXTRA_CA_CERTS with the server's self-signed certificate
// and verification stays on: for STARTTLS it checks the name given as `domain`, for direct TLS
// the host in the service URI (and sends no SNI in either case).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Driver, eventOf, runDriver, type DriverResult } from '../interop/process.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SCRIPT = fileURLToPath(new URL('../interop/xmpp-client.mjs', import.meta.url));
const TIMEOUT_MS = 10_000;

describe('interop: @xmpp/client 0.14 (RFC 6120 §5-§7, XEP-0368, XEP-0199)', function () {
  this.timeout(30_000);
  let ts: TestServer;
  let dir: string;
  let caFile: string;

  before(async () => {
    ts = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'starling-xmppjs-'));
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, await ts.ca());
    await ts.addUser('alice@localhost', 'pw-alice');
    await ts.addUser('bob@localhost', 'pw-bob');
    await ts.addUser('carol@localhost', 'pw-carol');
  });
  after(async () => {
    await ts?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  interface Run {
    scenario: 'login' | 'receive' | 'send';
    service: string;
    username: string;
    password: string;
    to?: string;
    body?: string;
    /** Trust the server's certificate (default); false leaves only the system CAs. */
    trust?: boolean;
  }

  function args(r: Run): string[] {
    const a = [SCRIPT, '--scenario', r.scenario, '--service', r.service, '--domain', 'localhost', '--username', r.username, '--password', r.password, '--timeout', String(TIMEOUT_MS)];
    if (r.to) a.push('--to', r.to);
    if (r.body) a.push('--body', r.body);
    return a;
  }

  function env(trust = true): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = { ...process.env };
    delete e.NODE_EXTRA_CA_CERTS;
    delete e.NODE_TLS_REJECT_UNAUTHORIZED;
    delete e.NODE_OPTIONS;
    if (trust) e.NODE_EXTRA_CA_CERTS = caFile;
    return e;
  }

  const run = (r: Run): Promise<DriverResult> => runDriver(process.execPath, args(r), { env: env(r.trust), timeoutMs: TIMEOUT_MS + 5_000 });
  const start = (r: Run): Driver => new Driver(process.execPath, args(r), { env: env(r.trust), timeoutMs: TIMEOUT_MS + 5_000 });
  const starttls = (): string => `xmpp://127.0.0.1:${ts.c2sPort}`;

  /**
   * @xmpp/client binds with Bind 2 inside SASL2 (XEP-0386, XEP-0388): its resource is the tag it
   * asked for, a slash and a part the server made up (XEP-0386 §"Resource identifier generation").
   */
  function assertBound(jid: unknown, bare: string, tag: string): void {
    assert.match(String(jid), new RegExp(`^${bare}/${tag}/[A-Za-z0-9_-]{8}$`));
  }

  function assertOnlineAndPinged(res: DriverResult, resource: string): void {
    const online = eventOf(res, 'online');
    assertBound(online.jid, 'alice@localhost', resource);
    assert.equal(online.tls, true);
    assert.equal(online.authorized, true, 'the certificate must have been verified');
    assert.equal(online.mechanism, 'SCRAM-SHA-1', '@xmpp/client 0.14 implements SCRAM-SHA-1 and PLAIN, and prefers SCRAM');
    const ping = eventOf(res, 'ping');
    assert.deepEqual([ping.type, ping.from], ['result', 'localhost']);
    assert.equal(res.code, 0, JSON.stringify(res.events));
  }

  it('logs in over STARTTLS with a verified certificate, binds and gets a ping result (RFC 6120 §5.4, §7; XEP-0199 §4)', async () => {
    const res = await run({ scenario: 'login', service: starttls(), username: 'alice', password: 'pw-alice' });
    assertOnlineAndPinged(res, 'interop-login');
  });

  it('logs in over direct TLS with a verified certificate and gets a ping result (XEP-0368)', async () => {
    // The name in the URI is what @xmpp/client verifies; localhost resolves to 127.0.0.1.
    const res = await run({ scenario: 'login', service: `xmpps://localhost:${ts.tlsPort}`, username: 'alice', password: 'pw-alice' });
    assertOnlineAndPinged(res, 'interop-login');
  });

  it('fails on the self-signed certificate when it is not trusted, so the other tests really verify it (RFC 6120 §13.7.2)', async () => {
    const untrusted = await run({ scenario: 'login', service: starttls(), username: 'alice', password: 'pw-alice', trust: false });
    assert.equal(untrusted.code, 1);
    assert.equal(eventOf(untrusted, 'error').code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(untrusted.events.some((e) => e.event === 'online'), false);
    // Trusted, but reached as 127.0.0.1: the certificate names localhost only (RFC 6125 §6).
    const wrongName = await run({ scenario: 'login', service: `xmpps://127.0.0.1:${ts.tlsPort}`, username: 'alice', password: 'pw-alice' });
    assert.equal(wrongName.code, 1);
    assert.equal(eventOf(wrongName, 'error').code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('delivers a chat message from one client to the other\'s bare JID, stamped with the sender\'s full JID (RFC 6121 §8.5.2.1.1; RFC 6120 §8.1.2.1)', async () => {
    const receiver = start({ scenario: 'receive', service: starttls(), username: 'bob', password: 'pw-bob' });
    try {
      await receiver.waitFor('ready', TIMEOUT_MS);
      assertBound(receiver.find('online')?.jid, 'bob@localhost', 'interop-receive');
      const sent = await run({ scenario: 'send', service: `xmpps://localhost:${ts.tlsPort}`, username: 'alice', password: 'pw-alice', to: 'bob@localhost', body: 'hello bob, from xmpp.js' });
      assert.equal(sent.code, 0, JSON.stringify(sent.events));
      const senderJid = eventOf(sent, 'online').jid;
      const msg = await receiver.waitFor('message', TIMEOUT_MS);
      assert.equal(msg.from, senderJid);
      assertBound(msg.from, 'alice@localhost', 'interop-send');
      assert.equal(msg.to, 'bob@localhost');
      assert.equal(msg.type, 'chat');
      assert.equal(msg.body, 'hello bob, from xmpp.js');
      assert.equal((await receiver.exited).code, 0, receiver.describe());
    } finally {
      receiver.kill();
    }
  });

  it('reports a wrong password as the SASL failure not-authorized (RFC 6120 §6.5.10)', async () => {
    const res = await run({ scenario: 'login', service: starttls(), username: 'carol', password: 'not-the-password' });
    assert.equal(res.code, 1);
    const err = eventOf(res, 'error');
    assert.equal(err.name, 'SASLError');
    assert.equal(err.condition, 'not-authorized');
    assert.equal(res.events.some((e) => e.event === 'online'), false);
  });
});
