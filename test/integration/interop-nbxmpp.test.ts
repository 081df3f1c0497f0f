// Interop with nbxmpp (Debian python3-nbxmpp 4.2), the XMPP library of Gajim, through
// test/interop/nbxmpp_client.py, run with the Debian Python: STARTTLS with the server's own
// certificate accepted and its name checked (RFC 6120 §5.4, §13.7.2), SCRAM (RFC 7677), stream
// management (XEP-0198), the disco#info Gajim reads before it uses the archive (XEP-0030,
// XEP-0313 §7), chat both ways (RFC 6121 §8.5.2) and the archive query Gajim makes at sign-in.
import assert from 'node:assert/strict';
import { eventOf, type DriverEvent, type DriverResult } from '../interop/process.js';
import { startInteropServer, type InteropServer } from '../interop/fixture.js';
import { requirePython, runPython } from '../interop/python.js';

const TIMEOUT_S = 10;

describe('interop: nbxmpp, the library of Gajim (RFC 6120, XEP-0198, XEP-0313)', function () {
  this.timeout(60_000);
  let server: InteropServer | undefined;

  before(async function () {
    requirePython(this, 'nbxmpp', 'python3-nbxmpp');
    server = await startInteropServer(['alice', 'bob', 'carol']);
  });
  after(() => server?.stop());

  function run(args: string[]): Promise<DriverResult> {
    const all = ['--port', String(server!.ts.c2sPort), '--ca', server!.caFile, '--timeout', String(TIMEOUT_S), ...args];
    return runPython('nbxmpp_client.py', all, TIMEOUT_S * 3_000 + 5_000);
  }

  const events = (res: DriverResult, name: string): DriverEvent[] => res.events.filter((e) => e.event === name);

  it('logs in over STARTTLS with SCRAM-SHA-256 and stream management, finds the archive, chats both ways and reads the conversation back from the archive', async () => {
    const res = await run(['--jid', 'alice@localhost', '--password', 'pw-alice', '--peer-jid', 'bob@localhost', '--peer-password', 'pw-bob']);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);

    const online = events(res, 'online');
    assert.deepEqual(online.map((o) => o.who).sort(), ['alice', 'bob']);
    for (const o of online) {
      assert.equal(o.jid, o.who === 'alice' ? 'alice@localhost/gajim.one' : 'bob@localhost/gajim.two');
      // nbxmpp 4.2 leaves out the -PLUS mechanisms (it knows only tls-unique).
      assert.equal(o.mechanism, 'SCRAM-SHA-256');
      assert.equal(o.tls, 'tls-1-3');
      assert.equal(o.secure, true);
      assert.deepEqual([o.sm, o.resumable], [true, true], 'XEP-0198 enabled with resumption');
    }

    const [account, host] = events(res, 'disco');
    assert.ok(account && host);
    assert.deepEqual([account.target, account.has_mam_2], ['alice@localhost', true]);
    // Also on the server's JID, for clients that look only there.
    assert.deepEqual([host.target, host.has_mam_2], ['localhost', true]);
    for (const f of ['urn:xmpp:carbons:2', 'urn:xmpp:blocking', 'urn:xmpp:ping']) assert.ok((host.features as string[]).includes(f), f);

    const [toBob, toAlice] = events(res, 'received');
    assert.ok(toBob && toAlice);
    assert.deepEqual([toBob.who, toBob.from, toBob.to, toBob.type, toBob.body], ['bob@localhost/gajim.two', 'alice@localhost/gajim.one', 'bob@localhost', 'chat', 'hello from nbxmpp']);
    assert.deepEqual([toAlice.who, toAlice.from, toAlice.to, toAlice.body], ['alice@localhost/gajim.one', 'bob@localhost/gajim.two', 'alice@localhost/gajim.one', 'reply from nbxmpp']);

    const archive = eventOf(res, 'archive');
    assert.equal(archive.complete, true);
    assert.deepEqual(archive.results, [
      { body: 'hello from nbxmpp', from: 'alice@localhost/gajim.one', archive: 'alice@localhost' },
      { body: 'reply from nbxmpp', from: 'bob@localhost/gajim.two', archive: 'alice@localhost' },
    ]);
  });

  it('a wrong password ends the login with the SASL condition not-authorized (RFC 6120 §6.5.10)', async () => {
    const res = await run(['--scenario', 'wrong-password', '--jid', 'carol@localhost', '--password', 'wrong']);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    const refused = eventOf(res, 'refused');
    assert.deepEqual([refused.domain, refused.condition], ['StreamError.SASL', 'not-authorized']);
    assert.equal(server!.ts.server.sessions.hasAccount('carol@localhost'), false);
  });
});
