// Runs the built command-line interface (bin/starling, which loads lib/) as an admin would:
// a child process per command, in a temporary folder, optionally under a pseudo-terminal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/starling', import.meta.url));
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../config/starling.example.yaml', import.meta.url));

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Everything any command printed, so a test can check that no password was ever shown. */
export const transcript: string[] = [];

/** The environment without the variables that would change which config is used. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('STARLING_CONFIG' in extra)) delete env.STARLING_CONFIG;
  if (!('STARLING_LOG_LEVEL' in extra)) delete env.STARLING_LOG_LEVEL;
  return env;
}

/** A running child process with its output so far. */
export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Result>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    const collect = (which: 'stdout' | 'stderr') => (chunk: Buffer): void => {
      this[which] += chunk.toString('utf8');
      for (const check of [...this.waiters]) check();
    };
    child.stdout?.on('data', collect('stdout'));
    child.stderr?.on('data', collect('stderr'));
    child.stdin?.on('error', () => undefined); // the process may exit before reading its input
    this.exited = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        transcript.push(this.stdout, this.stderr);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Resolves once stdout or stderr contains `text` (`times` times); fails after `timeoutMs` or on exit. */
  waitFor(text: string, timeoutMs = 30_000, times = 1): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if ((this.stdout + this.stderr).split(text).length > times) done();
      };
      const timer = setTimeout(() => done(new Error(`no ${JSON.stringify(text)} within ${timeoutMs} ms; output:\n${this.stdout}${this.stderr}`)), timeoutMs);
      this.waiters.add(check);
      this.exited.then(() => done(new Error(`exited before printing ${JSON.stringify(text)}:\n${this.stdout}${this.stderr}`)), done);
      check();
    });
  }

  /** The exit result, or a failure (and a SIGKILL) if it takes longer than `timeoutMs`. */
  async exit(timeoutMs = 30_000): Promise<Result> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`still running after ${timeoutMs} ms; output:\n${this.stdout}${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export interface RunOptions {
  cwd: string;
  /** Written to standard input, which is then closed (closed at once when absent). */
  input?: string;
  env?: Record<string, string>;
}

/** Starts `node bin/starling ...args` without waiting for it. */
export function spawnStarling(args: string[], opts: RunOptions): Proc {
  const proc = new Proc(spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: 'pipe' }));
  if (opts.input !== undefined) proc.write(opts.input);
  return proc;
}

/** Runs `node bin/starling ...args` to completion. */
export function starling(args: string[], opts: RunOptions): Promise<Result> {
  const proc = spawnStarling(args, opts);
  proc.child.stdin?.end();
  return proc.exit();
}

/** Whether util-linux `script` is there to give a command a pseudo-terminal. */
export function hasScript(): boolean {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /util-linux/.test(r.stdout + r.stderr);
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `node bin/starling ...args` with a pseudo-terminal as its stdin, stdout and stderr. */
export function starlingInPty(args: string[], opts: RunOptions): Proc {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  return new Proc(spawn('script', ['-qec', command, '/dev/null'], { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: 'pipe' }));
}

export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'starling-cli-'));
}

/**
 * Writes a config serving localhost and example.test from `dir`/data with SQLite (or the
 * PostgreSQL database at `pgUrl`), cheap PBKDF2 and listeners on 127.0.0.1 (port 0: any free
 * port, reported in the "listening" log lines).
 */
export async function writeConfig(dir: string, name = 'starling.yaml', c2sPort = 0, pgUrl?: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, [
    'log: { level: info, format: json }',
    `data_dir: ${JSON.stringify(join(dir, 'data'))}`,
    pgUrl ? `storage: { driver: postgres, url: ${JSON.stringify(pgUrl)} }` : 'storage: { driver: sqlite, path: starling.sqlite }',
    'auth: { scram_iterations: 4096 }',
    'listeners:',
    `  c2s: { addresses: ['127.0.0.1'], port: ${c2sPort} }`,
    "  c2s_direct_tls: { addresses: ['127.0.0.1'], port: 0 }",
    'hosts:',
    '  localhost: {}',
    '  example.test: {}',
    '',
  ].join('\n'));
  return file;
}

/** The port a listener of a running server reported in its JSON "listening" log line. */
export function listeningPort(log: string, kind: string): number {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; kind?: string; port?: number };
    if (entry.msg === 'listening' && entry.kind === kind && typeof entry.port === 'number') return entry.port;
  }
  throw new Error(`no "listening" line for ${kind} in:\n${log}`);
}
