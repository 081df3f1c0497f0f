// Loaded by mocha before any test file (.mocharc.json `require`): gives the PostgreSQL suites a
// database. STARLING_TEST_PG_URL, when set, names one (disposable: the suites drop and remake
// the schema). Otherwise, where PostgreSQL's server programs are installed (Debian's
// /usr/lib/postgresql/<version>/bin, or initdb on PATH), a throwaway cluster is made in a
// temporary folder, listening on 127.0.0.1 only, and removed when the run ends; without them,
// or with STARLING_TEST_PG=off, the PostgreSQL suites are skipped (pending). Run as root, the
// cluster belongs to the user postgres, since PostgreSQL refuses to run as root.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

interface Owner {
  uid: number;
  gid: number;
}

interface Cluster {
  bin: string;
  dir: string;
  owner: Owner | undefined;
}

const DATABASE = 'starling_test';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of the newest installed server programs, or undefined. */
function serverPrograms(): string | undefined {
  const debian = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(debian).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not a Debian layout
  }
  for (const v of versions) if (executable(join(debian, v, 'bin', 'initdb'))) return join(debian, v, 'bin');
  for (const d of (process.env.PATH ?? '').split(delimiter)) if (d && executable(join(d, 'initdb')) && executable(join(d, 'pg_ctl'))) return d;
  return undefined;
}

/** The user postgres from /etc/passwd (for a run as root). */
function postgresUser(): Owner {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('pg-cluster: running as root needs the user postgres to own the test cluster (it comes with the postgresql package)');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs one of the server programs as the cluster's owner; throws with its output on failure. */
function run(c: Cluster, program: string, args: string[]): void {
  const r = spawnSync(join(c.bin, program), args, {
    cwd: c.dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LC_ALL: 'C' },
    ...(c.owner ?? {}),
  });
  if (r.status !== 0) {
    const log = (() => {
      try {
        return readFileSync(join(c.dir, 'server.log'), 'utf8').slice(-2000);
      } catch {
        return '';
      }
    })();
    throw new Error(`pg-cluster: ${program} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n${r.stderr}${log}`);
  }
}

let cluster: Cluster | undefined;

function stop(): void {
  const c = cluster;
  if (!c) return;
  cluster = undefined;
  // immediate: the data is thrown away, so nothing needs writing out
  spawnSync(join(c.bin, 'pg_ctl'), ['-D', join(c.dir, 'data'), '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore', timeout: 30_000, ...(c.owner ?? {}) });
  rmSync(c.dir, { recursive: true, force: true });
}

async function start(bin: string): Promise<string> {
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'starling-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  cluster = { bin, dir, owner };
  process.once('exit', stop);
  // `on`, not `once`: a second signal (Ctrl-C reaches mocha's parent process too, which passes
  // SIGINT and SIGTERM on) must not find the default action, which would end the process before
  // the cluster is stopped
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stop();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  const c = cluster;
  // fsync off: a crash of this machine loses nothing the tests need, and the runs are faster
  run(c, 'initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  // The port was free a moment ago; another process may take it before the cluster binds it,
  // so a failed start is tried again on another port.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      run(c, 'pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  run(c, 'createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', DATABASE]);
  return `postgres://postgres@127.0.0.1:${port}/${DATABASE}`;
}

if (!process.env.STARLING_TEST_PG_URL && process.env.STARLING_TEST_PG !== 'off') {
  const bin = serverPrograms();
  if (bin) {
    process.env.STARLING_TEST_PG_URL = await start(bin);
    process.stderr.write(`PostgreSQL suites: a throwaway cluster (${bin}) at ${process.env.STARLING_TEST_PG_URL}\n`);
  } else {
    process.stderr.write('PostgreSQL suites skipped: no PostgreSQL server programs found (install postgresql, or set STARLING_TEST_PG_URL)\n');
  }
}

/** Mocha's global teardown: the cluster goes when the run ends. */
export function mochaGlobalTeardown(): void {
  stop();
}
