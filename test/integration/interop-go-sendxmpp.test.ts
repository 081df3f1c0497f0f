// Interop with go-sendxmpp (Debian; Go, mattn/go-xmpp): STARTTLS and direct TLS (RFC 6120 §5.4,
// XEP-0368), SASL (RFC 6120 §6; this go-xmpp build speaks PLAIN, DIGEST-MD5 and X-OAUTH2 only,
// so it logs in with PLAIN over TLS) and a message to a logged-in RawClient's bare JID
// (RFC 6121 §8.5.2). Go's crypto/x509 reads its trusted roots from SSL_CERT_FILE, so the
// server's self-signed certificate is trusted that way and verification stays on; go-sendxmpp
// checks it for the JID's domain.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import { commandWorks, runDriver, type DriverResult } from '../interop/process.js';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const GO_SENDXMPP = 'go-sendxmpp';

describe('interop: go-sendxmpp (RFC 6120 §5.4, §6; XEP-0368; RFC 6121 §8.5.2)', function () {
  this.timeout(30_000);
  let ts: TestServer;
  let dir: string;
  let caFile: string;
  let bob: RawClient;

  before(async function () {
    if (!commandWorks(GO_SENDXMPP, ['--version'])) {
      process.stderr.write(`      skipped: ${GO_SENDXMPP} is not installed (Debian package go-sendxmpp; .ci/run installs it)\n`);
      this.skip();
    }
    ts = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'starling-gosendxmpp-'));
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, await ts.ca());
    await mkdir(join(dir, 'home'));
    await mkdir(join(dir, 'no-certs'));
    await ts.addUser('alice@localhost', 'pw-alice');
    await ts.addUser('bob@localhost', 'pw-bob');
    bob = await RawClient.connect({ port: ts.c2sPort, ca: await ts.ca() });
    await bob.login('bob', 'pw-bob', 'desk');
    bob.write('<presence/>');
    // Stanzas of one session are handled in order: once this answer is back, bob is available.
    await bob.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  });
  after(async () => {
    bob?.destroy();
    await ts?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function send(body: string, opts: { directTls?: boolean; trust?: boolean; password?: string } = {}): Promise<DriverResult> {
    const port = opts.directTls ? ts.tlsPort : ts.c2sPort;
    const args = ['-u', 'alice@localhost', '-p', opts.password ?? 'pw-alice', '-j', `127.0.0.1:${port}`, '--timeout', '5'];
    if (opts.directTls) args.push('-t');
    args.push('bob@localhost');
    // A private HOME so no user configuration is read; only our certificate is trusted.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: join(dir, 'home') };
    if (opts.trust !== false) Object.assign(env, { SSL_CERT_FILE: caFile, SSL_CERT_DIR: join(dir, 'no-certs') });
    return runDriver(GO_SENDXMPP, args, { env, stdin: `${body}\n`, timeoutMs: 15_000 });
  }

  async function expectMessage(body: string): Promise<void> {
    const m = await bob.expect((e) => e.name === 'message' && e.getChildText('body') === body, 10_000);
    assert.match(String(m.attrs.from), /^alice@localhost\/.+/, 'from is the sender\'s full JID (RFC 6120 §8.1.2.1)');
    assert.equal(m.attrs.to, 'bob@localhost');
  }

  it('sends a message over verified STARTTLS to an available bare JID (RFC 6120 §5.4; RFC 6121 §8.5.2.1.1)', async () => {
    const res = await send('hello bob, from go-sendxmpp');
    assert.equal(res.code, 0, res.stderr);
    await expectMessage('hello bob, from go-sendxmpp');
  });

  it('sends a message over verified direct TLS (XEP-0368)', async () => {
    const res = await send('hello again, over direct TLS', { directTls: true });
    assert.equal(res.code, 0, res.stderr);
    await expectMessage('hello again, over direct TLS');
  });

  it('fails on the self-signed certificate when it is not trusted, and on a wrong password with not-authorized (RFC 6120 §13.7.2, §6.5.10)', async () => {
    const untrusted = await send('never delivered', { trust: false });
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /certificate signed by unknown authority/);
    const wrong = await send('never delivered', { password: 'wrong' });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /not-authorized/);
  });
});
