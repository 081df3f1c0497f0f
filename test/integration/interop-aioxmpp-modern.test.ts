// Interop with aioxmpp (Debian python3-aioxmpp 0.13) through test/interop/aioxmpp_carbons.py,
// run with the Debian Python: STARTTLS with the certificate verified by aioxmpp's PKIX verifier,
// the stream management aioxmpp negotiates on its own (XEP-0198 §3), and message carbons
// enabled with its CarbonsClient, which first looks for the feature in the account's
// disco#info (XEP-0280 §3, §4, §7, §8).
import assert from 'node:assert/strict';
import { startInteropServer, type InteropServer } from '../interop/fixture.js';
import type { DriverEvent, DriverResult } from '../interop/process.js';
import { requirePython, runPython } from '../interop/python.js';

const TIMEOUT_S = 10;

describe('interop: aioxmpp (XEP-0198, XEP-0280)', function () {
  this.timeout(60_000);
  let server: InteropServer | undefined;

  before(async function () {
    requirePython(this, 'aioxmpp', 'python3-aioxmpp');
    server = await startInteropServer(['alice', 'bob']);
  });
  after(() => server?.stop());

  const run = (args: string[]): Promise<DriverResult> =>
    runPython('aioxmpp_carbons.py', ['--port', String(server!.ts.c2sPort), '--timeout', String(TIMEOUT_S), '--jid', 'alice@localhost', '--password', 'pw-alice', ...args],
      (TIMEOUT_S * 4 + 5) * 1000);

  it('logs three clients in with resumable stream management; a resource with carbons gets received and sent copies (XEP-0198 §3; XEP-0280 §4, §7, §8)', async () => {
    const res = await run(['--ca', server!.caFile, '--peer-jid', 'bob@localhost', '--peer-password', 'pw-bob']);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    const all = (name: string): DriverEvent[] => res.events.filter((e) => e.event === name);
    const online = all('online');
    assert.deepEqual(online.map((e) => String(e.jid).replace(/\/.*/, '')), ['alice@localhost', 'alice@localhost', 'bob@localhost']);
    for (const e of online) assert.deepEqual(e.sm, { enabled: true, resumable: true, id: true }, JSON.stringify(e));
    assert.deepEqual(all('carbons-enabled').map((e) => e.who), ['alice@localhost/one', 'alice@localhost/two']);
    const bob = String(online[2]?.jid);
    assert.deepEqual(all('log')[0]?.entries, [
      { kind: 'received', from: bob, to: 'alice@localhost/two', body: 'to two' },
      { kind: 'sent', from: 'alice@localhost/two', to: 'bob@localhost', body: 'from two' },
    ]);
    assert.deepEqual(all('peer')[0]?.entries, [{ kind: 'message', from: 'alice@localhost/two', to: 'bob@localhost', body: 'from two' }]);
  });

  it('fails certificate verification when the self-signed certificate is not trusted (RFC 6120 §13.7.2)', async () => {
    const res = await run(['--scenario', 'untrusted']);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    const failed = res.events.find((e) => e.event === 'tls-failed');
    assert.ok(failed, JSON.stringify(res.events));
    assert.ok((failed.verifier as string[]).includes('certificate verification failed (by OpenSSL)'), JSON.stringify(failed));
    assert.equal(res.events.some((e) => e.event === 'online'), false);
  });
});
