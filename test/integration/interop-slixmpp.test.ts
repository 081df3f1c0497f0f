// Interop with slixmpp (Debian python3-slixmpp 1.8.x) through test/interop/slixmpp_client.py,
// run with the Debian Python: STARTTLS with the certificate verified for 'localhost'
// (RFC 6120 §5.4, §13.7.2), SCRAM (RFC 5802, RFC 7677), XEP-0199 ping, XEP-0030 disco#info, and
// chat messages both ways (RFC 6121 §8.5.2).
import assert from 'node:assert/strict';
import { eventOf, type DriverEvent, type DriverResult } from '../interop/process.js';
import { startInteropServer, type InteropServer } from '../interop/fixture.js';
import { requirePython, runPython } from '../interop/python.js';
import { changePassword } from '../../src/core/accounts.js';
import { createStorage } from '../../src/storage/index.js';
import { Jid } from '../../src/xmpp/jid.js';

const TIMEOUT_S = 10;

interface Attempt {
  mechanism: string;
  gs2?: string;
}
interface Failure {
  mechanism: string;
  condition: string;
}

describe('interop: slixmpp (RFC 6120 §5-§7, RFC 5802, XEP-0030, XEP-0199)', function () {
  this.timeout(60_000);
  let server: InteropServer | undefined;

  before(async function () {
    requirePython(this, 'slixmpp', 'python3-slixmpp');
    server = await startInteropServer(['alice', 'bob', 'carol', 'dave', 'erin']);
  });
  after(() => server?.stop());

  function run(scenario: string, extra: string[], ca = true): Promise<DriverResult> {
    const args = ['--scenario', scenario, '--port', String(server!.ts.c2sPort), '--timeout', String(TIMEOUT_S), ...extra];
    if (ca) args.push('--ca', server!.caFile);
    return runPython('slixmpp_client.py', args, TIMEOUT_S * 4_000 + 5_000);
  }

  const events = (res: DriverResult, name: string): DriverEvent[] => res.events.filter((e) => e.event === name);

  it('logs two accounts in over verified STARTTLS with SCRAM, pings the server, finds urn:xmpp:ping in disco#info and chats both ways (RFC 6120 §5.4, §6; XEP-0199; XEP-0030 §3.1; RFC 6121 §8.5.2)', async () => {
    const res = await run('chat', ['--jid', 'alice@localhost', '--password', 'pw-alice', '--peer-jid', 'bob@localhost', '--peer-password', 'pw-bob']);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);

    const [alice, bob] = events(res, 'online');
    assert.ok(alice && bob);
    for (const [who, online] of [['alice', alice], ['bob', bob]] as const) {
      assert.match(String(online.jid), new RegExp(`^${who}@localhost/.+`));
      assert.equal(online.tls, true);
      assert.equal(online.serverHostname, 'localhost', 'the certificate was checked for the name localhost');
      assert.match(String(online.peer), /^127\.0\.0\.1:/);
      // Without channel binding slixmpp picks the strongest SCRAM on offer, with GS2 flag 'n'.
      assert.equal(online.mechanism, 'SCRAM-SHA-256');
      assert.deepEqual(online.attempts, [{ mechanism: 'SCRAM-SHA-256', gs2: 'n,,' }]);
    }

    const ping = eventOf(res, 'ping');
    assert.deepEqual([ping.type, ping.sender], ['result', 'localhost']);

    const disco = eventOf(res, 'disco');
    assert.ok((disco.features as string[]).includes('urn:xmpp:ping'));
    // The server's own identity; PEP adds pubsub/pep beside it (XEP-0223 §6).
    assert.deepEqual((disco.identities as string[][]).filter(([category]) => category !== 'pubsub'), [['server', 'im']]);

    const [toBob, toAlice] = events(res, 'received');
    assert.ok(toBob && toAlice);
    assert.deepEqual([toBob.who, toBob.from, toBob.to, toBob.type, toBob.body], [bob.jid, alice.jid, 'bob@localhost', 'chat', 'hello from slixmpp']);
    assert.deepEqual([toAlice.who, toAlice.from, toAlice.to, toAlice.type, toAlice.body], [alice.jid, bob.jid, alice.jid, 'chat', 'reply from slixmpp']);
  });

  it('fails certificate verification when the self-signed certificate is not trusted, before any SASL (RFC 6120 §13.7.2)', async () => {
    const res = await run('untrusted', ['--jid', 'alice@localhost', '--password', 'pw-alice'], false);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    const failed = eventOf(res, 'tls-failed');
    assert.match(String(failed.why), /CERTIFICATE_VERIFY_FAILED/);
    assert.deepEqual(failed.attempts, []);
  });

  it('answers every SCRAM attempt with a wrong password with not-authorized (RFC 6120 §6.5.10)', async () => {
    const res = await run('badauth', ['--jid', 'carol@localhost', '--password', 'wrong']);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    const failed = eventOf(res, 'auth-failed');
    const failures = failed.failures as Failure[];
    assert.ok(failures.length > 0);
    for (const f of failures) assert.equal(f.condition, 'not-authorized', JSON.stringify(failures));
  });

  it('a password changed outside the server (starling passwd) ends slixmpp\'s stream with <reset/>, and its reconnect with the old password is refused (RFC 6120 §4.9.3.16, §6.5.10)', async () => {
    const ts = server!.ts;
    const running = run('reset', ['--jid', 'erin@localhost', '--password', 'pw-erin']);
    const deadline = Date.now() + TIMEOUT_S * 1000;
    while (!ts.server.sessions.hasAccount('erin@localhost') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(ts.server.sessions.hasAccount('erin@localhost'), 'slixmpp logged in');
    // On its own storage connection, as the CLI writes; the server notices within a second.
    const other = await createStorage(ts.config.storage, ts.dataDir);
    try {
      await changePassword(other, Jid.parse('erin@localhost'), 'pw-erin-2', ts.config.auth.scram_iterations);
    } finally {
      await other.close();
    }
    const res = await running;
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    assert.equal(eventOf(res, 'ended').why, 'stream error: reset');
    const relogin = eventOf(res, 'relogin');
    assert.equal(relogin.online, false, JSON.stringify(relogin));
    assert.ok((relogin.failures as Failure[]).length > 0 && (relogin.failures as Failure[]).every((f) => f.condition === 'not-authorized'), JSON.stringify(relogin));
  });

  it('refuses slixmpp 1.8\'s default tls-unique binding on TLS 1.3 and its \'y\' flag while -PLUS is offered (RFC 9266 §3; RFC 5802 §6; XEP-0440)', async () => {
    // slixmpp <= 1.8.4 binds -PLUS with tls-unique, undefined on TLS 1.3 (RFC 9266), and then
    // retries plain SCRAM with 'y' ("I support binding, you don't"), which a server offering
    // -PLUS must refuse as a possible downgrade. Whatever this version ends up doing, no
    // attempt of that kind may succeed.
    const res = await run('login', ['--jid', 'dave@localhost', '--password', 'pw-dave', '--channel-binding', 'library']);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    const login = eventOf(res, 'login');
    const attempts = login.attempts as Attempt[];
    const failures = login.failures as Failure[];
    assert.ok(attempts.length > 0);
    // Only the last attempt can have succeeded, and only if the client got online; an attempt
    // without a <failure/> of its own was cut short by the server closing the stream.
    const accepted = login.online ? attempts[attempts.length - 1] : undefined;
    if (accepted?.gs2 !== undefined) assert.match(accepted.gs2, /^(n,|p=tls-exporter,|p=tls-server-end-point,)/, JSON.stringify(login));
    attempts.forEach((a, i) => {
      if (a.gs2?.startsWith('y,') && failures[i]) assert.equal(failures[i].condition, 'not-authorized', JSON.stringify(login));
    });
  });
});
