// Stream management interop with @xmpp/client 0.14 (xmpp.js), through
// test/interop/xmpp-client-sm.mjs in a child Node process: the library enables stream management
// with resumption after binding (XEP-0198 §3), its stanzas are acknowledged (§4), and after its
// TLS socket is destroyed it resumes the session on a new connection (§5), getting what was sent
// to it meanwhile exactly once. STARTTLS with the certificate verified, as in
// interop-xmpp-client.test.ts (the certificate is trusted through NODE_EXTRA_CA_CERTS).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startInteropServer, type InteropServer } from '../interop/fixture.js';
import { runDriver, type DriverEvent } from '../interop/process.js';

const SCRIPT = fileURLToPath(new URL('../interop/xmpp-client-sm.mjs', import.meta.url));
const TIMEOUT_MS = 20_000;

describe('interop: @xmpp/client 0.14 stream management (XEP-0198)', function () {
  this.timeout(40_000);
  let server: InteropServer | undefined;

  before(async () => {
    server = await startInteropServer(['alice', 'bob']);
  });
  after(() => server?.stop());

  it('enables with resumption, gets acknowledgements, and resumes after its socket is destroyed: messages sent meanwhile arrive exactly once (§3, §4, §5)', async () => {
    const { ts, caFile } = server!;
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: caFile };
    delete env.NODE_TLS_REJECT_UNAUTHORIZED;
    delete env.NODE_OPTIONS;
    const res = await runDriver(process.execPath, [SCRIPT, '--service', `xmpp://127.0.0.1:${ts.c2sPort}`, '--domain', 'localhost',
      '--username', 'alice', '--password', 'pw-alice', '--peer-username', 'bob', '--peer-password', 'pw-bob', '--timeout', String(TIMEOUT_MS)],
    { env, timeoutMs: TIMEOUT_MS + 5_000 });
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    const all = (name: string): DriverEvent[] => res.events.filter((e) => e.event === name);

    const [enabled, resumed] = all('sm');
    assert.ok(enabled && resumed, JSON.stringify(res.events));
    // @xmpp/client 0.14 logs in with SASL2 and Bind 2, so the resource is its tag and a random part
    // (XEP-0386), and <enabled/> comes inside <bound/>.
    assert.match(String(enabled.who), /^alice@localhost\/sm\/[A-Za-z0-9_-]+$/);
    assert.deepEqual([enabled.name, enabled.resume, enabled.max], ['enabled', 'true', '300']);
    assert.equal(typeof enabled.id, 'string');
    // The server acknowledged alice's presence and her message to bob (§4).
    assert.deepEqual(all('acked')[0]?.acked, ['presence', 'hello bob']);
    assert.deepEqual([resumed.name, resumed.previd, resumed.who], ['resumed', enabled.id, enabled.who]);
    assert.equal(resumed.h, '2', 'the server handled both stanzas alice sent before the drop');
    assert.deepEqual(all('bodies')[0]?.bodies, ['before the drop', 'away 1', 'away 2', 'away 3', 'after the resumption']);
    assert.equal(await ts.server.storage.offline.count('localhost', 'alice'), 0, 'none of it was also stored offline');
  });
});
