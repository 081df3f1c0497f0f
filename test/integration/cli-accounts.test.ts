// The command-line interface as an admin uses it: the real bin/starling (built lib/) in a child
// process. Exit codes (src/cli/common.ts): 0 ok, 1 the operation failed, 2 usage, 78 config.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLE_CONFIG, hasScript, starling, starlingInPty, tempDir, transcript, writeConfig, type Result } from '../support/cli.js';

const PASSWORDS = ['pipe-pw-Alice1', 'argv-pw-Bob2', 'argv-pw-Mallory3', 'argv-pw-Dave4', 'tty-pw-Terry5', 'tty-pw-Mis6', 'tty-pw-Mis7', 'tty-pw-Ahead8'];
const NO_STACK = /\n\s+at /;

describe('starling CLI: usage, check-config and account commands', function () {
  // Each step runs bin/starling in a child process: generous bounds for a loaded machine.
  this.timeout(60_000);
  let dir: string;
  let cfg: string;
  const run = (args: string[], input?: string): Promise<Result> => starling(args, { cwd: dir, input });
  const withCfg = (args: string[], input?: string): Promise<Result> => run([...args, '-c', cfg], input);
  const listed = async (): Promise<string[]> => {
    const r = await withCfg(['listusers']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };

  before(async () => {
    dir = await tempDir();
    cfg = await writeConfig(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  // Commands without state run all at once in `before`; each test checks one rule on its result.
  const runAll = async <K extends string>(jobs: Record<K, Promise<Result>>): Promise<Record<K, Result>> => {
    await Promise.all(Object.values<Promise<Result>>(jobs)); // every job runs; none rejects unobserved
    const out = {} as Record<K, Result>;
    for (const k of Object.keys(jobs) as K[]) out[k] = await jobs[k];
    return out;
  };

  describe('usage', () => {
    const WRONG_ARGS = [['adduser'], ['check-config', 'extra'], ['listusers', 'localhost', 'example.test']];
    let u: Record<'help' | 'helpCmd' | 'cmdHelp' | 'none' | 'cmd' | 'opt' | 'pw', Result>;
    let wrong: Result[];
    before(async () => {
      const wrongRuns = Promise.all(WRONG_ARGS.map((args) => run(args)));
      u = await runAll({
        help: run(['--help']), helpCmd: run(['help', 'adduser']), cmdHelp: run(['adduser', '--help']), none: run([]),
        cmd: run(['frobnicate']), opt: run(['listusers', '--frobnicate']), pw: run(['deluser', 'alice@localhost', '-p', 'x']),
      });
      wrong = await wrongRuns;
    });

    it('--help prints the usage with every command and the exit codes, exit 0', () => {
      assert.equal(u.help.code, 0);
      for (const c of ['start', 'check-config', 'adduser', 'passwd', 'deluser', 'listusers']) assert.match(u.help.stdout, new RegExp(`\\n  ${c}\\b`));
      assert.match(u.help.stdout, /Exit codes: 0 success, 1 .*, 2 usage error, 78 configuration error/);
    });

    it("'help adduser' and 'adduser --help' print the same adduser help, exit 0", () => {
      assert.equal(u.helpCmd.code, 0);
      assert.equal(u.cmdHelp.code, 0);
      assert.match(u.helpCmd.stdout, /^Usage: starling adduser <user@host>/);
      assert.equal(u.helpCmd.stdout, u.cmdHelp.stdout);
    });

    it('--version prints the name and version, exit 0', async () => {
      const r = await run(['--version']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Starling \d+\.\d+\.\d+\n$/);
    });

    it('no command prints the usage and exits 2', () => {
      assert.equal(u.none.code, 2);
      assert.match(u.none.stdout + u.none.stderr, /Usage: starling <command>/);
    });

    it('an unknown command or option exits 2 and names it', () => {
      assert.equal(u.cmd.code, 2);
      assert.match(u.cmd.stderr, /unknown command 'frobnicate'/);
      assert.equal(u.opt.code, 2);
      assert.match(u.opt.stderr, /--frobnicate/);
    });

    it('a missing or extra argument exits 2 with the help of that command', () => {
      WRONG_ARGS.forEach((args, i) => {
        assert.equal(wrong[i]!.code, 2, args.join(' '));
        assert.match(wrong[i]!.stderr, new RegExp(`wrong arguments\\n\\nUsage: starling ${args[0]}`), args.join(' '));
      });
    });

    it('-p on a command that takes no password exits 2', () => {
      assert.equal(u.pw.code, 2);
      assert.match(u.pw.stderr, /--password does not apply to deluser/);
    });
  });

  describe('check-config', () => {
    const FILES = {
      'bad.yaml': 'data_dir: d\nlog:\n  levle: info\nlimits:\n  max_depth: "deep"\nhosts:\n  localhost: {}\n',
      'mod.yaml': 'data_dir: d\nmodules:\n  pingg: {}\nhosts:\n  localhost: {}\n',
      'opt.yaml': 'data_dir: d\nmodules:\n  version: { show_os: "yes" }\nhosts:\n  localhost: {}\n',
      'hostopt.yaml': 'data_dir: d\nhosts:\n  localhost:\n    modules:\n      version:\n        show_os: "yes"\n',
      'short.yaml': 'data_dir: d\nmodules:\n  register: { policy: open }\n  ping: {}\nhosts:\n  localhost: {}\n',
    };
    let c: Record<'example' | 'missing' | keyof typeof FILES, Result>;
    before(async () => {
      for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
      const check = (file: string): Promise<Result> => run(['check-config', '-c', file]);
      c = await runAll({
        example: check(EXAMPLE_CONFIG), missing: check('nowhere.yaml'),
        'bad.yaml': check('bad.yaml'), 'mod.yaml': check('mod.yaml'), 'opt.yaml': check('opt.yaml'), 'hostopt.yaml': check('hostopt.yaml'),
        'short.yaml': check('short.yaml'),
      });
    });

    it('accepts the commented example file, exit 0, with every module on', () => {
      assert.equal(c.example.code, 0, c.example.stderr);
      assert.match(c.example.stdout, /configuration is valid \(hosts: localhost\)\n$/);
    });

    it('a modules section that leaves modules out is valid, and names those that are off', () => {
      assert.equal(c['short.yaml'].code, 0, c['short.yaml'].stderr);
      assert.match(c['short.yaml'].stdout, /\nlocalhost: modules not enabled: blocking, caps, carbons, csi, disco, last, mam, offline, pep, presence, private, push, roster, time, vcard, version \(a modules section lists every module wanted\)\n$/);
    });

    it('an unknown key and a wrong type exit 78, each named by file:line:col and key path', () => {
      const r = c['bad.yaml'];
      assert.equal(r.code, 78);
      assert.match(r.stderr, /bad\.yaml:3:3: log\.levle: unknown key/);
      assert.match(r.stderr, /bad\.yaml:5:14: limits\.max_depth: expected an integer .*"deep"/);
      assert.doesNotMatch(r.stderr, NO_STACK);
    });

    it('a missing file exits 78 saying it does not exist', () => {
      assert.equal(c.missing.code, 78);
      assert.match(c.missing.stderr, /nowhere\.yaml: cannot read the configuration file: no such file/);
    });

    it('an unknown module exits 78 naming file:line and the module', () => {
      assert.equal(c['mod.yaml'].code, 78);
      assert.match(c['mod.yaml'].stderr, /mod\.yaml:3:3: modules\.pingg: unknown module \(available: .*ping/);
    });

    it('a bad module option exits 78 naming file:line, top level and per host', () => {
      assert.equal(c['opt.yaml'].code, 78);
      assert.match(c['opt.yaml'].stderr, /opt\.yaml:3:\d+: modules\.version.*show_os/);
      assert.equal(c['hostopt.yaml'].code, 78);
      assert.match(c['hostopt.yaml'].stderr, /hostopt\.yaml:6:\d+: hosts\.localhost\.modules\.version.*show_os/);
    });
  });

  describe('accounts', () => {
    it('before any database exists, passwd, deluser and listusers exit 1 naming the path, and make none', async () => {
      const results = await Promise.all([withCfg(['passwd', 'alice@localhost'], 'x\n'), withCfg(['deluser', 'alice@localhost']), withCfg(['listusers'])]);
      for (const r of results) {
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /there is no database at .*starling\.sqlite: run the command in the server's folder, or give its configuration with -c/);
      }
      assert.equal(existsSync(join(dir, 'data', 'starling.sqlite')), false);
    });

    it('adduser reads the password as one line from a pipe, creates the account, exit 0; it says it made the database', async () => {
      const r = await withCfg(['adduser', 'alice@localhost'], 'pipe-pw-Alice1\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'created alice@localhost\n');
      assert.equal(r.stderr, `starling: note: made a new database at ${join(dir, 'data', 'starling.sqlite')}\n`);
    });

    it('adduser for an existing account exits 1 saying it exists', async () => {
      const r = await withCfg(['adduser', 'alice@localhost'], 'pipe-pw-Alice1\n');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /alice@localhost exists already/);
    });

    it('adduser -p takes the password from the command line', async () => {
      const users = [['mallory@localhost', 'argv-pw-Mallory3'], ['dave@example.test', 'argv-pw-Dave4'], ['bob@localhost', 'argv-pw-Bob2']] as const;
      const results = await Promise.all(users.map(([jid, pw]) => withCfg(['adduser', jid, '-p', pw])));
      users.forEach(([jid], i) => {
        assert.equal(results[i]!.code, 0, results[i]!.stderr);
        assert.equal(results[i]!.stdout, `created ${jid}\n`);
      });
    });

    it('adduser refuses an unserved host, an invalid address and an empty password (exit 1) and creates nothing', async () => {
      const results = await Promise.all([
        withCfg(['adduser', 'carol@elsewhere.test', '-p', 'x']),
        withCfg(['adduser', 'carol@', '-p', 'x']),
        withCfg(['adduser', 'localhost', '-p', 'x']),
        withCfg(['adduser', 'carol@localhost', '-p', '']),
        withCfg(['adduser', 'carol@localhost'], '\n'),
        withCfg(['adduser', 'carol@localhost']), // end of input at once
      ]);
      const [host, invalid, notAccount, ...empty] = results;
      for (const r of results) assert.equal(r.code, 1, r.stderr);
      assert.match(host!.stderr, /'elsewhere\.test' is not a host of this server \(configured: localhost, example\.test\)/);
      assert.match(invalid!.stderr, /'carol@' is not a valid address/);
      assert.match(notAccount!.stderr, /not an account address/);
      for (const r of empty) assert.match(r.stderr, /the password must not be empty/);
      assert.ok(!(await listed()).includes('carol@localhost'));
    });

    it('listusers lists the accounts sorted within each host, hosts in config order; with a host, only its own', async () => {
      assert.deepEqual(await listed(), ['alice@localhost', 'bob@localhost', 'mallory@localhost', 'dave@example.test']);
      const r = await withCfg(['listusers', 'example.test']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'dave@example.test\n');
    });

    it('listusers takes a host name in any case', async () => {
      const r = await withCfg(['listusers', 'Example.TEST']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'dave@example.test\n');
    });

    it("the memory driver is refused (exit 78): what a command did would vanish with it", async () => {
      const mem = join(dir, 'memory.yaml');
      await writeFile(mem, 'storage: { driver: memory }\nhosts:\n  localhost: {}\n');
      const r = await run(['adduser', 'zed@localhost', '-p', 'pw-Zed-1', '-c', mem]);
      assert.equal(r.code, 78, r.stderr);
      assert.match(r.stderr, /storage\.driver is 'memory'/);
    });

    it('listusers for a host that is not served exits 1', async () => {
      const r = await withCfg(['listusers', 'unknown.host']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /'unknown\.host' is not a host of this server/);
    });

    it('passwd for a missing account exits 1 (a login proves a real change: cli-start.test.ts)', async () => {
      const r = await withCfg(['passwd', 'nobody@localhost'], 'whatever\n');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /there is no account nobody@localhost/);
    });

    it('deluser deletes the account (exit 0); it is no longer listed; deleting it again exits 1', async () => {
      const r = await withCfg(['deluser', 'mallory@localhost']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'deleted mallory@localhost\n');
      assert.ok(!(await listed()).includes('mallory@localhost'));
      const again = await withCfg(['deluser', 'mallory@localhost']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /there is no account mallory@localhost/);
    });
  });

  const pty = hasScript();
  (pty ? describe : describe.skip)(`password prompt on a terminal${pty ? '' : ' (skipped: util-linux `script` is not installed)'}`, () => {
    const typeIn = async (jid: string, lines: string[], waitEach: boolean): Promise<Result> => {
      const p = starlingInPty(['adduser', jid, '-c', cfg], { cwd: dir });
      await p.waitFor('Password: ');
      if (!waitEach) p.write(lines.join(''));
      else {
        p.write(lines[0]!);
        await p.waitFor('Repeat password: ');
        p.write(lines[1]!);
      }
      return p.exit();
    };

    it('adduser asks twice without echoing and creates the account', async () => {
      const r = await typeIn('terry@localhost', ['tty-pw-Terry5\r', 'tty-pw-Terry5\r'], true);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /Password: [\s\S]*Repeat password: [\s\S]*created terry@localhost/);
    });

    it('a repeated password that differs exits 1 and creates nothing', async () => {
      const r = await typeIn('mis@localhost', ['tty-pw-Mis6\r', 'tty-pw-Mis7\r'], true);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /the passwords do not match/);
      assert.ok(!(await listed()).includes('mis@localhost'));
    });

    it('both lines typed ahead in one burst are both read', async () => {
      const r = await typeIn('ahead@localhost', ['tty-pw-Ahead8\r', 'tty-pw-Ahead8\r'], false);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /created ahead@localhost/);
    });

    it('Ctrl-D at the prompt cancels with exit 1 instead of waiting forever', async () => {
      const r = await typeIn('eof@localhost', ['\u0004'], false);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /cancelled/);
    });

    it('Ctrl-C at the prompt exits 130, as an interrupted command does', async () => {
      const r = await typeIn('intr@localhost', ['\u0003'], false);
      assert.equal(r.code, 130, r.stdout);
      assert.match(r.stdout, /interrupted/);
    });

    it('adduser of an existing account and passwd of a missing one fail before asking for a password', async () => {
      for (const [cmd, jid, said] of [['adduser', 'terry@localhost', /exists already/], ['passwd', 'ghost@localhost', /there is no account ghost@localhost/]] as const) {
        const r = await starlingInPty([cmd, jid, '-c', cfg], { cwd: dir }).exit();
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stdout, said);
        assert.doesNotMatch(r.stdout, /Password:/);
      }
    });
  });

  describe('secrets', () => {
    it('no password appears in any output of the commands above', () => {
      assert.ok(transcript.length > 0, 'no command ran');
      const all = transcript.join('\n');
      for (const pw of PASSWORDS) assert.ok(!all.includes(pw), `${pw} was printed`);
    });
  });
});
