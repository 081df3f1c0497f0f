// Interop: @xmpp/client 0.14 (xmpp.js) asks for a FAST token (XEP-0484) in its SASL2 password
// login and logs in with it the next time, through HT-SHA-256-NONE, checking the server's proof.
// Run in a child process by test/interop/xmpp-client-fast.mjs, trusting the server's certificate
// through NODE_EXTRA_CA_CERTS, as the other xmpp.js interop test does.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDriver } from '../interop/process.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SCRIPT = fileURLToPath(new URL('../interop/xmpp-client-fast.mjs', import.meta.url));
const TIMEOUT_MS = 10_000;

describe('interop: FAST with @xmpp/client 0.14 (XEP-0484, XEP-0388)', function () {
  this.timeout(30_000);
  let ts: TestServer;
  let dir: string;

  before(async () => {
    ts = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'starling-xmppjs-fast-'));
    await writeFile(join(dir, 'ca.pem'), await ts.ca());
    await ts.addUser('alice@localhost', 'pw-alice');
  });
  after(async () => {
    await ts?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gets a token with its password login and logs in with the token next time', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') };
    delete env.NODE_TLS_REJECT_UNAUTHORIZED;
    delete env.NODE_OPTIONS;
    const res = await runDriver(process.execPath, [SCRIPT, '--service', `xmpp://127.0.0.1:${ts.c2sPort}`, '--domain', 'localhost',
      '--username', 'alice', '--password', 'pw-alice', '--timeout', String(TIMEOUT_MS)], { env, timeoutMs: TIMEOUT_MS + 5000 });
    assert.equal(res.code, 0, JSON.stringify(res.events) + res.stderr);
    const online = res.events.filter((e) => e.event === 'online');
    assert.deepEqual(online.map((e) => e.mechanism), ['SCRAM-SHA-1', 'HT-SHA-256-NONE']);
    for (const e of online) assert.match(String(e.jid), /^alice@localhost\/fast\/[A-Za-z0-9_-]{8}$/);
    const token = res.events.find((e) => e.event === 'token');
    assert.equal(token?.mechanism, 'HT-SHA-256-NONE');
    assert.ok(Date.parse(String(token?.expiry)) > Date.now());
  });
});
