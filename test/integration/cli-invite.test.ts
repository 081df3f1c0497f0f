// `starling invite` as an admin uses it (the real bin/starling over the built lib/): usage
// errors exit 2, an unknown host or token exits 1; a token made by the CLI lets a client
// register on a running server whose register policy is 'invite' (XEP-0077, XEP-0401 URI).
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { listeningPort, spawnStarling, starling, tempDir, type Proc, type Result } from '../support/cli.js';

const TOKEN = /^[A-Za-z0-9]{22}$/;

describe('starling invite: registration invitations', function () {
  // Each step runs bin/starling in a child process: generous bounds for a loaded machine.
  this.timeout(60_000);
  let dir: string;
  let cfg: string;
  const run = (args: string[]): Promise<Result> => starling([...args, '-c', cfg], { cwd: dir });
  const create = async (args: string[] = []): Promise<{ token: string; r: Result }> => {
    const r = await run(['invite', 'localhost', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return { token: r.stdout.split('\n')[0]!, r };
  };
  const list = async (host = 'localhost'): Promise<string[]> => {
    const r = await run(['invite', '--list', host]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };

  before(async () => {
    dir = await tempDir();
    cfg = join(dir, 'starling.yaml');
    await writeFile(cfg, [
      'log: { level: info, format: json }',
      `data_dir: ${JSON.stringify(join(dir, 'data'))}`,
      'storage: { driver: sqlite, path: starling.sqlite }',
      'auth: { scram_iterations: 4096 }',
      'listeners:',
      "  c2s: { addresses: ['127.0.0.1'], port: 0 }",
      "  c2s_direct_tls: { addresses: ['127.0.0.1'], port: 0 }",
      'modules:',
      '  disco: {}',
      '  register: { policy: invite, scram_iterations: 4096 }',
      'hosts:',
      '  localhost: {}',
      '  example.test: { modules: { register: {} } }',
      '',
    ].join('\n'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('usage', () => {
    const WRONG = [
      ['invite'], ['invite', 'localhost', 'extra'], ['invite', '--list'], ['invite', '--revoke', 'localhost'],
      ['invite', 'localhost', '--uses', '0'], ['invite', 'localhost', '--uses', '1.5'], ['invite', 'localhost', '--uses', 'many'],
      ['invite', 'localhost', '--days=-1'], ['invite', 'localhost', '--days', '0'], ['invite', 'localhost', '--days', '4000'],
      ['invite', '--list', '--revoke', 'localhost', 'x'], ['invite', '--list', 'localhost', '--uses', '2'],
    ];
    let wrong: Result[];
    let help: Result;
    let usage: Result;
    let other: Result;
    before(async () => {
      // A few processes at a time: a loaded machine starts many at once slowly.
      wrong = [];
      for (let i = 0; i < WRONG.length; i += 4) wrong.push(...(await Promise.all(WRONG.slice(i, i + 4).map((args) => run(args)))));
      [help, usage, other] = await Promise.all([starling(['help', 'invite'], { cwd: dir }), starling(['--help'], { cwd: dir }), run(['listusers', '--uses', '3'])]);
    });

    it('wrong arguments or option values exit 2 with the invite help', () => {
      WRONG.forEach((args, i) => {
        assert.equal(wrong[i]!.code, 2, `${args.join(' ')}: ${wrong[i]!.stderr}`);
        assert.match(wrong[i]!.stderr, /Usage: starling invite <host>/, args.join(' '));
      });
    });

    it("'help invite' explains the three forms; --help lists the command", () => {
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: starling invite <host> \[--uses N\] \[--days D\]/);
      assert.match(help.stdout, /starling invite --list <host>/);
      assert.match(help.stdout, /starling invite --revoke <host> <token>/);
      assert.match(usage.stdout, /\n {2}invite <host>/);
    });

    it('invite options on another command exit 2', () => {
      assert.equal(other.code, 2);
      assert.match(other.stderr, /--uses does not apply to listusers/);
    });
  });

  it('an unknown host exits 1 and names the configured hosts', async () => {
    for (const args of [['invite', 'nowhere.test'], ['invite', '--list', 'nowhere.test'], ['invite', '--revoke', 'nowhere.test', 'abc']]) {
      const r = await run(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /'nowhere\.test' is not a host of this server \(configured: localhost, example\.test\)/);
    }
  });

  it('creates a random alphanumeric token and prints it with its xmpp: link (XEP-0401)', async () => {
    const a = await create();
    const b = await create();
    assert.match(a.token, TOKEN);
    assert.notEqual(a.token, b.token);
    const lines = a.r.stdout.split('\n');
    assert.equal(lines[1], `xmpp:localhost?register;preauth=${a.token}`);
    assert.match(lines[2]!, /^valid for 1 account until \d{4}-\d\d-\d\dT/);
    assert.match(a.r.stderr, /^note: made a new database at .*starling\.sqlite\n$/, 'the first command made the database');
    assert.equal(b.r.stderr, '', 'no other note: localhost is by invitation');
  });

  it('--uses and --days set the uses and the expiry, which --list shows', async () => {
    const before = Date.now();
    const { token } = await create(['--uses', '3', '--days', '2']);
    const line = (await list()).find((l) => l.startsWith(token));
    assert.ok(line, 'listed');
    assert.match(line, /3 uses left/);
    const expires = Date.parse(/expires (\S+)/.exec(line)![1]!);
    assert.ok(Math.abs(expires - (before + 2 * 86_400_000)) < 60_000, line);
  });

  it('warns on standard error when the host does not register by invitation', async () => {
    const r = await run(['invite', 'example.test']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /registration on example\.test is not by invitation \(register policy: disabled\)/);
    assert.equal((await list('example.test')).length, 1);
  });

  it('--revoke deletes an invitation; revoking it again exits 1', async () => {
    const { token } = await create();
    const r = await run(['invite', '--revoke', 'localhost', token]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `revoked ${token}\n`);
    assert.ok(!(await list()).some((l) => l.startsWith(token)));
    const again = await run(['invite', '--revoke', 'localhost', token]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /there is no invitation/);
  });

  describe('with the server running', () => {
    let server: Proc;
    let port: number;
    let ca: string;
    const clients: RawClient[] = [];
    before(async () => {
      server = spawnStarling(['start', '-c', cfg], { cwd: dir });
      await server.waitFor('"msg":"server started"', 15_000);
      port = listeningPort(server.stdout, 'c2s_direct_tls');
      ca = await readFile(join(dir, 'data', 'certs', 'localhost.crt'), 'utf8');
    });
    afterEach(() => {
      for (const c of clients.splice(0)) c.destroy();
    });
    after(() => server.kill());

    const registerWith = async (username: string, token: string): Promise<string> => {
      const c = await RawClient.connect({ port, ca, directTls: true });
      clients.push(c);
      await c.open();
      const form = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        ...Object.entries({ username, password: `${username}-password`, token }).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v))));
      const res = await c.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:register' }, form)));
      return res.attrs.type === 'result' ? 'result' : errorCondition(res) ?? 'none';
    };

    it('a token made by the CLI registers one account, then is used up; a revoked one is refused', async () => {
      const { token } = await create();
      assert.equal(await registerWith('invitee', token), 'result');
      assert.equal(await registerWith('second', token), 'forbidden');
      assert.match((await list()).find((l) => l.startsWith(token)) ?? '', /0 uses left.*\(used up\)/);
      const revoked = (await create()).token;
      assert.equal((await run(['invite', '--revoke', 'localhost', revoked])).code, 0);
      assert.equal(await registerWith('third', revoked), 'forbidden');
      const c = await RawClient.connect({ port, ca, directTls: true });
      clients.push(c);
      assert.equal(await c.login('invitee', 'invitee-password', 'r'), 'invitee@localhost/r');
    });
  });
});
