// bin/starling's choice between lib/bundle/ (packed by `npm run build`) and lib/cli/main.js:
// the bundle only while every file it was made from is unchanged, never with STARLING_NO_BUNDLE,
// and the same output either way. Runs a copy of bin/starling in a scratch tree whose lib/bundle/
// is a copy (so its stamp can be edited) and whose other entries link to the real ones.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, writeConfig } from '../support/cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Which of the two entries the process loaded. */
  loaded: ('bundle' | 'lib')[];
}

describe('bin/starling: the bundle or lib/', function () {
  this.timeout(60_000);
  let dir = '';
  let root = '';
  let preload = '';
  let record = '';

  before(async function () {
    if (!existsSync(join(REPO, 'lib', 'bundle', 'stamp.json'))) this.skip(); // built with tsc alone
    dir = await tempDir();
    root = join(dir, 'root');
    await mkdir(join(root, 'bin'), { recursive: true });
    await copyFile(join(REPO, 'bin', 'starling'), join(root, 'bin', 'starling'));
    for (const entry of ['node_modules', 'package.json']) await symlink(join(REPO, entry), join(root, entry));
    await mkdir(join(root, 'lib'));
    for (const entry of await readdir(join(REPO, 'lib'))) {
      if (entry === 'bundle') await cp(join(REPO, 'lib', 'bundle'), join(root, 'lib', 'bundle'), { recursive: true });
      else await symlink(join(REPO, 'lib', entry), join(root, 'lib', entry));
    }
    // A module hook that notes which entry gets imported.
    record = join(dir, 'loaded.txt');
    const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.endsWith('/lib/bundle/cli.js')) appendFileSync(${JSON.stringify(record)}, 'bundle\\n');
  if (r.url.endsWith('/lib/cli/main.js')) appendFileSync(${JSON.stringify(record)}, 'lib\\n');
  return r;
}`;
    preload = join(dir, 'preload.mjs');
    await writeFile(preload, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
    await rm(record, { force: true });
    const child = spawn(process.execPath, ['--import', preload, join(root, 'bin', 'starling'), ...args], {
      cwd: dir, env: { ...process.env, STARLING_NO_BUNDLE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const loaded = existsSync(record) ? ((await readFile(record, 'utf8')).trim().split('\n') as Run['loaded']) : [];
    return { code, stdout, stderr, loaded };
  }

  it('uses the bundle while it matches lib/, with the same output as lib/', async () => {
    const bundled = await run(['help', 'start']);
    assert.deepEqual(bundled.loaded, ['bundle'], bundled.stderr);
    const plain = await run(['help', 'start'], { STARLING_NO_BUNDLE: '1' });
    assert.deepEqual(plain.loaded, ['lib'], plain.stderr);
    assert.deepEqual({ ...bundled, loaded: [] }, { ...plain, loaded: [] });
    assert.equal(bundled.code, 0);
  });

  it('falls back to lib/ when a file the bundle was made from has changed since', async () => {
    const stampFile = join(root, 'lib', 'bundle', 'stamp.json');
    const original = await readFile(stampFile, 'utf8');
    const stamp = JSON.parse(original) as { files: [string, number, number][] };
    const i = stamp.files.findIndex(([file]) => file === 'lib/core/server.js');
    assert.ok(i >= 0, 'lib/core/server.js is watched');
    stamp.files[i]![1] -= 1000; // as if tsc had rewritten it after the bundle was made
    try {
      await writeFile(stampFile, JSON.stringify(stamp));
      const r = await run(['--help']);
      assert.deepEqual(r.loaded, ['lib'], r.stderr);
      assert.equal(r.code, 0);
      await writeFile(stampFile, JSON.stringify({ entry: 'cli.js', files: 'not a list' }));
      assert.deepEqual((await run(['--help'])).loaded, ['lib'], 'an unreadable stamp');
    } finally {
      await writeFile(stampFile, original);
    }
    assert.deepEqual((await run(['--help'])).loaded, ['bundle']);
  });

  it('starts a server from the bundle that stops cleanly on SIGTERM', async () => {
    const cfg = await writeConfig(dir);
    await rm(record, { force: true });
    const child = spawn(process.execPath, ['--import', preload, join(root, 'bin', 'starling'), 'start', '-c', cfg], {
      cwd: dir, env: { ...process.env, STARLING_NO_BUNDLE: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    const deadline = Date.now() + 30_000;
    while (!out.includes('"server started"') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /"server started"/, out);
    const started = JSON.parse(out.split('\n').find((l) => l.includes('"server started"'))!) as { version?: string };
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(started.version, pkg.version, 'package.json is found from the bundle');
    child.kill('SIGTERM');
    assert.equal(await closed, 0, out);
    assert.deepEqual((await readFile(record, 'utf8')).trim().split('\n'), ['bundle']);
  });
});
