// `starling start` as an admin runs it: the real bin/starling in a child process, JSON logs on
// stdout, clients over real sockets (STARTTLS, SCRAM, PLAIN), a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { createServer, type Server as NetServer } from 'node:net';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import { loadConfig } from '../../src/config/loader.js';
import { createStorage } from '../../src/storage/index.js';
import { deriveCredentials } from '../../src/xmpp/sasl/credentials.js';
import { certNames } from '../../src/net/certs.js';
import { createSelfSigned } from '../../src/net/x509.js';
import { RawClient, failureCondition } from '../support/raw-client.js';
import { listeningPort, spawnStarling, starling, tempDir, transcript, writeConfig, type Proc } from '../support/cli.js';

const OLD_PW = 'old-secret-Quartz1';
const NEW_PW = 'new-secret-Zircon2';
const NO_STACK = /\n\s+at /;

describe('starling start: a real server process run from the CLI', function () {
  // Each step runs bin/starling in a child process: generous bounds for a loaded machine.
  this.timeout(60_000);
  let dir: string;
  let cfg: string;
  before(async () => {
    dir = await tempDir();
    cfg = await writeConfig(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passwd replaces the password of an account made by adduser (exit 0; the login below proves it)', async () => {
    const add = await starling(['adduser', 'alice@localhost', '-c', cfg], { cwd: dir, input: `${OLD_PW}\n` });
    assert.equal(add.code, 0, add.stderr);
    const r = await starling(['passwd', 'alice@localhost', '-c', cfg], { cwd: dir, input: `${NEW_PW}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'password changed for alice@localhost\n');
  });

  describe('running until SIGTERM', () => {
    let server: Proc;
    let port: number;
    let ca: string;
    const clients: RawClient[] = [];
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect({ port, ca });
      clients.push(c);
      return c;
    };

    before(async () => {
      // trace: the most the server ever logs, so the secrets check below covers every line.
      server = spawnStarling(['start', '-c', cfg], { cwd: dir, env: { STARLING_LOG_LEVEL: 'trace' } });
      await server.waitFor('"msg":"server started"', 15_000);
      port = listeningPort(server.stdout, 'c2s');
      ca = await readFile(join(dir, 'data', 'certs', 'localhost.crt'), 'utf8');
    });
    afterEach(() => {
      for (const c of clients.splice(0)) c.destroy();
    });
    after(() => server.kill());

    it('logs "server started" as one JSON object per line on stdout', () => {
      const started = server.stdout.split('\n').filter((l) => l.includes('"server started"')).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(started.length, 1);
      assert.deepEqual(started[0]!.hosts, ['localhost', 'example.test']);
    });

    it('a second server on the same database is refused (exit 1) naming the running one; the first goes on', async () => {
      const second = await starling(['start', '-c', cfg], { cwd: dir });
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`^starling: another server \\(process ${server.child.pid}\\) is using the database .*starling\\.sqlite: stop it first`));
      assert.doesNotMatch(second.stdout, /"msg":"listening"/);
      const c = await connect();
      assert.equal(await c.login('alice', NEW_PW, 'still'), 'alice@localhost/still');
    });

    it('keeps its data folder and database to its own user (0700, 0600)', async () => {
      assert.equal((await stat(join(dir, 'data'))).mode & 0o777, 0o700);
      assert.equal((await stat(join(dir, 'data', 'starling.sqlite'))).mode & 0o777, 0o600);
    });

    it('after passwd the old password is refused (not-authorized, RFC 6120 §6.5.10) and the new one logs in', async () => {
      const old = await connect();
      await old.open();
      const features = await old.starttls();
      assert.equal(await old.scram(features, 'alice', OLD_PW, 'SCRAM-SHA-256'), 'not-authorized');
      const c = await connect();
      assert.equal(await c.login('alice', NEW_PW, 'cli'), 'alice@localhost/cli');
    });

    it('a logged-in client gets a result to a ping (XEP-0199 §4.2)', async () => {
      const c = await connect();
      await c.login('alice', NEW_PW);
      const reply = await c.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      assert.equal(reply.attrs.type, 'result', reply.toString());
    });

    it('SASL PLAIN over TLS accepts the new password (RFC 4616)', async () => {
      const c = await connect();
      await c.open();
      await c.starttls();
      assert.equal(await c.plain('alice', NEW_PW), 'success');
    });

    it('passwd and deluser run while the server runs take effect at its next check, though it had the account cached', async () => {
      /** SCRAM outcome of one fresh connection. */
      const attempt = async (pw: string): Promise<string> => {
        const c = await connect();
        await c.open();
        const features = await c.starttls();
        const outcome = await c.scram(features, 'carol', pw, 'SCRAM-SHA-256');
        c.destroy();
        return outcome;
      };
      /** Retries until `want` (the server compares the account change counter every second). */
      const until = async (pw: string, want: string): Promise<string> => {
        let got = '';
        for (let i = 0; i < 20 && got !== want; i++) {
          got = await attempt(pw);
          if (got !== want) await new Promise((r) => setTimeout(r, 250));
        }
        return got;
      };
      const add = await starling(['adduser', 'carol@localhost', '-c', cfg], { cwd: dir, input: `${OLD_PW}\n` });
      assert.equal(add.code, 0, add.stderr);
      assert.equal(await until(OLD_PW, 'success'), 'success');
      // Twice more: it is cached now.
      assert.equal(await attempt(OLD_PW), 'success');
      const pw = await starling(['passwd', 'carol@localhost', '-c', cfg], { cwd: dir, input: `${NEW_PW}\n` });
      assert.equal(pw.code, 0, pw.stderr);
      assert.equal(await until(OLD_PW, 'not-authorized'), 'not-authorized', 'the old password stops working');
      assert.equal(await attempt(NEW_PW), 'success');
      const del = await starling(['deluser', 'carol@localhost', '-c', cfg], { cwd: dir });
      assert.equal(del.code, 0, del.stderr);
      assert.equal(await until(NEW_PW, 'not-authorized'), 'not-authorized', 'a deleted account stops logging in');
    });

    it('deluser while the account is online ends its sessions with not-authorized (XEP-0077 §3.2), like an in-band cancel', async () => {
      const add = await starling(['adduser', 'dave@localhost', '-c', cfg], { cwd: dir, input: `${OLD_PW}\n` });
      assert.equal(add.code, 0, add.stderr);
      const a = await connect();
      const b = await connect();
      assert.equal(await a.login('dave', OLD_PW, 'one'), 'dave@localhost/one');
      assert.equal(await b.login('dave', OLD_PW, 'two'), 'dave@localhost/two');
      // A bystander stays connected.
      const e = await connect();
      await e.login('alice', NEW_PW, 'watch');
      const del = await starling(['deluser', 'dave@localhost', '-c', cfg], { cwd: dir });
      assert.equal(del.code, 0, del.stderr);
      // The server reads the deletion notes every second; the CLI itself may take a while to start.
      assert.equal(await a.streamError(10_000), 'not-authorized');
      assert.equal(await b.streamError(10_000), 'not-authorized');
      assert.ok(server.stdout.includes('"account deleted outside the server; its sessions end"'));
      const pong = await e.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      assert.equal(pong.attrs.type, 'result', 'other accounts keep their sessions');
    });

    it("deluser ends its contacts' subscriptions: each gets a roster push and unsubscribe, unsubscribed (RFC 6121 §3.2, §3.3)", async () => {
      const add = await starling(['adduser', 'hugo@localhost', '-c', cfg], { cwd: dir, input: `${OLD_PW}\n` });
      assert.equal(add.code, 0, add.stderr);
      const hugo = await connect();
      const alice = await connect();
      assert.equal(await hugo.login('hugo', OLD_PW, 'h'), 'hugo@localhost/h');
      assert.equal(await alice.login('alice', NEW_PW, 'a'), 'alice@localhost/a');
      // alice asks for her roster, so she gets roster pushes (§2.1.6).
      await alice.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      for (const c of [hugo, alice]) c.send(xml('presence'));
      // Subscribed both ways, as clients do it.
      const subscribe = async (asker: RawClient, from: string, contact: RawClient, to: string): Promise<void> => {
        asker.send(xml('presence', { to, type: 'subscribe' }));
        await contact.expect((el) => el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from === from);
        contact.send(xml('presence', { to: from, type: 'subscribed' }));
        await asker.expect((el) => el.name === 'presence' && el.attrs.type === 'subscribed' && el.attrs.from === to);
      };
      await subscribe(alice, 'alice@localhost', hugo, 'hugo@localhost');
      await subscribe(hugo, 'hugo@localhost', alice, 'alice@localhost');
      const del = await starling(['deluser', 'hugo@localhost', '-c', cfg], { cwd: dir });
      assert.equal(del.code, 0, del.stderr);
      const seen = new Set<string>();
      while (seen.size < 4) {
        const el = await alice.next(10_000);
        assert.ok(el, 'alice is told before her stream ends');
        const item = el.getChild('query', 'jabber:iq:roster')?.getChild('item');
        if (el.name === 'iq' && item?.attrs.jid === 'hugo@localhost' && item.attrs.subscription === 'none') seen.add('push none');
        if (el.name === 'presence' && el.attrs.from === 'hugo@localhost') seen.add(el.attrs.type);
        // Its session's end, told to the subscribers its roster had.
        if (el.name === 'presence' && el.attrs.from === 'hugo@localhost/h' && el.attrs.type === 'unavailable') seen.add('unavailable');
      }
      assert.deepEqual([...seen].sort(), ['push none', 'unavailable', 'unsubscribe', 'unsubscribed']);
      const roster = await alice.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      const kept = roster.getChild('query')!.getChildren('item').filter((i) => i.attrs.jid === 'hugo@localhost');
      assert.deepEqual(kept.map((i) => [i.attrs.subscription, i.attrs.ask]), [['none', undefined]], 'the item stays, without a subscription (§3.2.3, §3.3.3)');
    });

    it('passwd while the account is online ends its sessions with <reset/> (RFC 6120 §4.9.3.16); the new password logs in', async () => {
      const add = await starling(['adduser', 'gwen@localhost', '-c', cfg], { cwd: dir, input: `${OLD_PW}\n` });
      assert.equal(add.code, 0, add.stderr);
      const a = await connect();
      assert.equal(await a.login('gwen', OLD_PW, 'lost-phone'), 'gwen@localhost/lost-phone');
      const pw = await starling(['passwd', 'gwen@localhost', '-c', cfg], { cwd: dir, input: `${NEW_PW}\n` });
      assert.equal(pw.code, 0, pw.stderr);
      assert.equal(await a.streamError(10_000), 'reset');
      assert.ok(server.stdout.includes('"credentials changed outside the server; sessions that logged in with others end"'));
      const b = await connect();
      assert.equal(await b.login('gwen', NEW_PW, 'new-phone'), 'gwen@localhost/new-phone');
    });

    it('an account deleted and created again behind the server ends the sessions of the deleted one', async () => {
      const add = await starling(['adduser', 'erin@localhost', '-c', cfg], { cwd: dir, input: `${OLD_PW}\n` });
      assert.equal(add.code, 0, add.stderr);
      const old = await connect();
      assert.equal(await old.login('erin', OLD_PW, 'old'), 'erin@localhost/old');
      // Both within milliseconds, from another process's point of view (its own storage
      // connection), so the server's next check finds the account there again.
      const { config } = await loadConfig(cfg);
      const storage = await createStorage(config.storage, join(dir, 'data'));
      try {
        assert.equal(await storage.accounts.delete('localhost', 'erin'), true);
        assert.equal(await storage.accounts.create('localhost', 'erin', await deriveCredentials(NEW_PW, 4096)), true);
      } finally {
        await storage.close();
      }
      assert.equal(await old.streamError(10_000), 'not-authorized', 'the session of the deleted account ends');
      // That a session of the new account is kept is tested in account-changed-elsewhere.test.ts, where
      // the test, not the server's poll, decides when the check runs.
      const fresh = await connect();
      assert.equal(await fresh.login('erin', NEW_PW, 'new'), 'erin@localhost/new', 'the new password logs in');
    });

    it('SIGTERM closes streams, logs "server stopped" and exits 0 within 5 s', async () => {
      const c = await connect();
      await c.login('alice', NEW_PW);
      server.child.kill('SIGTERM');
      const r = await server.exit(5_000);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /"msg":"server stopped"/);
      assert.equal(r.stderr, '');
      const shutdown = await c.expect((e) => e.name === 'stream:error');
      assert.equal(failureCondition(shutdown), 'system-shutdown');
    });

    it('the log, even at trace level, and every CLI output never contain a password or a PLAIN payload', () => {
      const plain = Buffer.from(`\0alice\0${NEW_PW}`).toString('base64');
      const all = [server.stdout, server.stderr, ...transcript].join('\n');
      assert.ok(server.stdout.includes('"level":"debug"') || server.stdout.includes('"level":"trace"'), 'the log has debug lines');
      for (const secret of [OLD_PW, NEW_PW, plain]) assert.ok(!all.includes(secret), `${secret} was logged`);
    });
  });

  describe('refusing to start', () => {
    let blocker: NetServer | undefined;
    after(() => blocker?.close());

    it('a port in use exits 1 with a one-line reason naming the address, no stack trace', async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
      const busy = (blocker.address() as { port: number }).port;
      const file = await writeConfig(dir, 'busy.yaml', busy);
      const r = await starling(['start', '-c', file], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^starling: cannot listen on 127\\.0\\.0\\.1:${busy}: the port is in use\\n$`));
      assert.doesNotMatch(r.stdout, /"msg":"server started"/);
    });

    it('a broken config or module option exits 78 naming file:line and listens nowhere', async () => {
      await writeFile(join(dir, 'broken.yaml'), 'data_dir: d\nlisteners:\n  c2s:\n    port: "high"\nhosts:\n  localhost: {}\n');
      await writeFile(join(dir, 'badmod.yaml'), 'data_dir: d\nmodules:\n  version: { show_os: "yes" }\nhosts:\n  localhost: {}\n');
      const [broken, badmod] = await Promise.all(['broken.yaml', 'badmod.yaml'].map((f) => starling(['start', '-c', f], { cwd: dir })));
      assert.equal(broken!.code, 78);
      assert.match(broken!.stderr, /broken\.yaml:4:11: listeners\.c2s\.port: /);
      assert.equal(badmod!.code, 78);
      assert.match(badmod!.stderr, /cannot start:\n.*badmod\.yaml:3:\d+: modules\.version.*show_os/);
      for (const r of [broken!, badmod!]) {
        assert.doesNotMatch(r.stderr, NO_STACK);
        assert.doesNotMatch(r.stdout, /"msg":"listening"/);
      }
    });

    it('a configured certificate that cannot be read exits 78 from start and check-config alike, naming the host and file', async () => {
      await writeFile(join(dir, 'nocert.yaml'), 'data_dir: d\nhosts:\n  localhost:\n    tls: { cert: missing.crt, key: missing.key }\n');
      const [start, check] = await Promise.all([['start'], ['check-config']].map((cmd) => starling([...cmd, '-c', 'nocert.yaml'], { cwd: dir })));
      for (const r of [start!, check!]) {
        assert.equal(r.code, 78, r.stderr);
        assert.match(r.stderr, /hosts\.localhost\.tls: cannot read certificate file .*missing\.crt for localhost: ENOENT/);
        assert.doesNotMatch(r.stderr, NO_STACK);
      }
    });

    it('check-config warns of a certificate that does not name its host, and still exits 0', async () => {
      const made = await createSelfSigned(certNames('elsewhere.example'));
      await writeFile(join(dir, 'other.crt'), made.certPem);
      await writeFile(join(dir, 'other.key'), made.keyPem, { mode: 0o600 });
      await writeFile(join(dir, 'othercert.yaml'), 'data_dir: d\nhosts:\n  localhost:\n    tls: { cert: other.crt, key: other.key }\n');
      const r = await starling(['check-config', '-c', 'othercert.yaml'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'starling: warning: the certificate for localhost does not name it (subjectAltName DNS names): clients will refuse it\n');
    });
  });
});
