// The load of the soak test: the login ramp, one-to-one messages at a fixed total rate, churn
// (sessions that leave, cleanly or by a TCP reset, and log in again later), and the end phases
// (drain, collection of stored messages, clean disconnection of everyone).
import { Ledger } from './ledger.js';
import { Population, sleep } from './population.js';
import { DOMAIN, username } from './server.js';
import type { SoakOptions } from './options.js';

const TICK_MS = 10;
const KEEPALIVE_MS = 60_000;

export interface PhaseTimes {
  /** performance.now() and Date.now() at each mark. */
  [mark: string]: { perf: number; wall: number };
}

export class Load {
  readonly ledger: Ledger;
  readonly pop: Population;
  readonly marks: PhaseTimes = {};
  private timers: NodeJS.Timeout[] = [];
  private abruptNext = false;

  constructor(private readonly opts: SoakOptions, server: { port: number; ca: string }) {
    this.ledger = new Ledger(opts.sessions);
    this.pop = new Population(opts.sessions, server, this.ledger);
  }

  mark(name: string): void {
    this.marks[name] = { perf: performance.now(), wall: Date.now() };
  }

  /** Logs every account in, `loginConcurrency` at a time. */
  async ramp(progress: (done: number) => void): Promise<void> {
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < this.opts.sessions) {
        await this.pop.login(next++, 1000);
        if (++done % 500 === 0) progress(done);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.loginConcurrency, this.opts.sessions) }, worker));
  }

  start(): void {
    let credit = 0;
    let last = performance.now();
    // Messages: the credit grows with the elapsed time, so a late tick sends what was due.
    this.timers.push(setInterval(() => {
      const now = performance.now();
      credit = Math.min(credit + ((now - last) / 1000) * this.opts.rate, this.opts.rate);
      last = now;
      while (credit >= 1) {
        credit--;
        this.sendOne(now);
      }
    }, TICK_MS));
    let churnCredit = 0;
    this.timers.push(setInterval(() => {
      churnCredit += this.opts.churn * this.pop.ready.size * 0.25;
      while (churnCredit >= 1) {
        churnCredit--;
        this.churnOne();
      }
      for (const i of this.pop.due(performance.now())) void this.pop.login(i, 1000);
    }, 250));
    // Whitespace keepalives (RFC 6120 §4.6.1), as clients send them: with a low message rate a
    // session could otherwise stay silent past the server's idle timeout.
    this.timers.push(setInterval(() => {
      for (const i of this.pop.ready.values()) this.pop.send(i, ' ');
    }, KEEPALIVE_MS));
  }

  private sendOne(now: number): void {
    const from = this.pop.ready.random();
    if (from === undefined) return;
    let to: number | undefined;
    let kind: 'online' | 'offline' = 'online';
    if (Math.random() < this.opts.offlineShare) {
      to = this.pop.offlineTarget(now);
      if (to !== undefined) kind = 'offline';
    }
    if (to === undefined) {
      if (this.pop.ready.size < 2) return;
      do to = this.pop.ready.random()!;
      while (to === from);
    }
    const seq = this.ledger.send(to, kind, now);
    this.pop.send(from, `<message to='${username(to)}@${DOMAIN}' id='s${seq}' type='chat'><body>soak ${seq}</body></message>`);
  }

  private churnOne(): void {
    const i = this.pop.ready.random();
    if (i === undefined) return;
    const { offlineMin, offlineMax } = this.opts;
    const offlineMs = (offlineMin + Math.random() * (offlineMax - offlineMin)) * 1000;
    this.abruptNext = !this.abruptNext;
    void this.pop.leave(i, this.abruptNext, offlineMs);
  }

  /** Stops sending and churning; waits for the logins and departures in progress. */
  async stop(timeoutMs: number): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await waitFor(() => this.pop.busy === 0, timeoutMs);
  }

  /** Waits until every message sent to an online account has arrived (or the bound). */
  drain(timeoutMs: number): Promise<boolean> {
    return waitFor(() => this.ledger.outstanding.online === 0, timeoutMs);
  }

  /** Logs in every offline account and waits for its stored messages. */
  async collect(timeoutMs: number): Promise<boolean> {
    const offline = [...this.pop.offline.values()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < offline.length) await this.pop.login(offline[next++]!, 0);
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.loginConcurrency, offline.length) }, worker));
    return waitFor(() => this.ledger.outstanding.offline === 0 && this.ledger.outstanding.online === 0, timeoutMs);
  }

  /** Closes every session cleanly, `width` at a time. */
  async disconnectAll(width: number): Promise<void> {
    const ready = [...this.pop.ready.values()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ready.length) await this.pop.leave(ready[next++]!, false, Infinity);
    };
    await Promise.all(Array.from({ length: Math.min(width, ready.length) }, worker));
  }
}

/** Polls `cond` every 50 ms; resolves false after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}
