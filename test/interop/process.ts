// Runs an interop driver (another XMPP library in its own process) and reads what it reports:
// one JSON object per stdout line, each with an `event` name. Every wait is bounded, and a
// process still running when the test gives up is killed by its pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface DriverEvent {
  event: string;
  [key: string]: unknown;
}

export interface DriverResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: DriverEvent[];
  stderr: string;
}

export interface DriverOptions {
  env?: NodeJS.ProcessEnv;
  /** Text written to stdin, which is then closed. */
  stdin?: string;
  /** The process is killed after this long. */
  timeoutMs?: number;
}

export class Driver {
  readonly events: DriverEvent[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<DriverResult>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();
  private partial = '';

  constructor(command: string, args: string[], opts: DriverOptions = {}) {
    this.child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const kill = setTimeout(() => this.kill(), opts.timeoutMs ?? 30_000);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.child.stdin!.on('error', () => undefined);
    this.child.stdin!.end(opts.stdin ?? '');
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(kill);
        this.onStdout('\n');
        this.notify();
        resolve({ code, signal, events: this.events, stderr: this.stderr });
      };
      this.child.once('close', done);
      this.child.once('error', (err) => {
        this.stderr += String(err);
        done(null, null);
      });
    });
  }

  private onStdout(chunk: string): void {
    this.stdout += chunk;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        this.events.push(JSON.parse(line) as DriverEvent);
      } catch {
        this.events.push({ event: 'unparsed', line });
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** The first event with this name, waiting up to timeoutMs for it. */
  waitFor(event: string, timeoutMs = 10_000): Promise<DriverEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.find((e) => e.event === event);
        if (found) {
          finish();
          resolve(found);
          return true;
        }
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`driver exited before "${event}": ${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no "${event}" within ${timeoutMs} ms: ${this.describe()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (): void => void check();
      if (!check()) this.listeners.add(listener);
    });
  }

  /** The first event with this name seen so far. */
  find(event: string): DriverEvent | undefined {
    return this.events.find((e) => e.event === event);
  }

  describe(): string {
    return `events ${JSON.stringify(this.events)}; stderr ${JSON.stringify(this.stderr.slice(-2000))}`;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Runs a driver to completion. */
export function runDriver(command: string, args: string[], opts: DriverOptions = {}): Promise<DriverResult> {
  return new Driver(command, args, opts).exited;
}

/** The first event with this name, or an assertion-friendly error listing what was seen. */
export function eventOf(result: DriverResult, name: string): DriverEvent {
  const e = result.events.find((ev) => ev.event === name);
  if (!e) throw new Error(`no "${name}" event (exit ${result.code}): events ${JSON.stringify(result.events)}; stderr ${JSON.stringify(result.stderr.slice(-2000))}`);
  return e;
}

/** Whether a command runs and exits 0, within a few seconds. */
export function commandWorks(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
  return r.error === undefined && r.status === 0;
}
