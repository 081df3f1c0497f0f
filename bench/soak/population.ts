// The soak accounts and their sessions: each account is offline, connecting, ready (logged in,
// its initial presence echoed) or leaving. Messages are only addressed to ready accounts, or to
// accounts offline long enough for the server to have ended their session, so that every message
// has exactly one expected outcome: received live, or stored and received at the next login.
import type { Element } from '@xmpp/xml';
import { SoakClient } from './client.js';
import type { Ledger } from './ledger.js';
import { DOMAIN, PASSWORD, username } from './server.js';

type State = 'offline' | 'connecting' | 'ready' | 'leaving';

interface Account {
  readonly i: number;
  state: State;
  client: SoakClient | undefined;
  /** When it went offline, and when it logs in again (performance.now() ms). */
  offlineAt: number;
  returnAt: number;
}

/** A set of account numbers with O(1) add, delete and uniform random pick. */
export class PickSet {
  private readonly items: number[] = [];
  private readonly pos: Int32Array;

  constructor(size: number) {
    this.pos = new Int32Array(size).fill(-1);
  }

  get size(): number {
    return this.items.length;
  }

  add(i: number): void {
    if (this.pos[i] !== -1) return;
    this.pos[i] = this.items.length;
    this.items.push(i);
  }

  delete(i: number): void {
    const p = this.pos[i]!;
    if (p === -1) return;
    const last = this.items.pop()!;
    if (last !== i) {
      this.items[p] = last;
      this.pos[last] = p;
    }
    this.pos[i] = -1;
  }

  random(): number | undefined {
    return this.items.length ? this.items[Math.floor(Math.random() * this.items.length)] : undefined;
  }

  values(): readonly number[] {
    return this.items;
  }
}

export interface SessionStats {
  logins: number;
  loginFailures: number;
  /** Logins that did not finish within the step bound (an overloaded machine or server). */
  loginTimeouts: number;
  loginMs: number[];
  cleanCloses: number;
  abortedCloses: number;
  unexpectedCloses: number;
  /** Why logins failed and sessions closed unexpectedly, with counts. */
  problems: Map<string, number>;
  presenceIn: number;
  otherIn: number;
  rosterItems: number;
  /** Leaving sessions whose pending messages or ping answer did not come within the bound. */
  leaveTimeouts: number;
}

/** Seconds an account must have been offline before messages are addressed to it. */
export const QUARANTINE_MS = 2000;
const STEP_TIMEOUT_MS = 30_000;

export class Population {
  readonly accounts: Account[];
  readonly ready: PickSet;
  readonly offline: PickSet;
  readonly stats: SessionStats = {
    logins: 0, loginFailures: 0, loginTimeouts: 0, loginMs: [], cleanCloses: 0, abortedCloses: 0, unexpectedCloses: 0,
    problems: new Map(), presenceIn: 0, otherIn: 0, rosterItems: 0, leaveTimeouts: 0,
  };
  /** Logins and departures in progress. */
  busy = 0;

  constructor(size: number, private readonly server: { port: number; ca: string }, private readonly ledger: Ledger) {
    this.accounts = Array.from({ length: size }, (_, i) => ({ i, state: 'offline' as State, client: undefined, offlineAt: -Infinity, returnAt: Infinity }));
    this.ready = new PickSet(size);
    this.offline = new PickSet(size);
    for (let i = 0; i < size; i++) this.offline.add(i);
  }

  private problem(what: string): void {
    const key = what.slice(0, 120);
    this.stats.problems.set(key, (this.stats.problems.get(key) ?? 0) + 1);
  }

  /** Logs account `i` in; on failure it stays offline and tries again after `retryMs`. */
  async login(i: number, retryMs = 1000): Promise<boolean> {
    const a = this.accounts[i]!;
    if (a.state !== 'offline') return false;
    a.state = 'connecting';
    this.offline.delete(i);
    this.busy++;
    const t0 = performance.now();
    try {
      const client = await SoakClient.login({
        port: this.server.port, domain: DOMAIN, ca: this.server.ca, username: username(i), password: PASSWORD,
        resource: 'soak', timeoutMs: STEP_TIMEOUT_MS,
      });
      this.stats.logins++;
      this.stats.loginMs.push(performance.now() - t0);
      this.stats.rosterItems += client.rosterItems;
      a.client = client;
      a.state = 'ready';
      this.ready.add(i);
      client.start({
        onStanza: (el, at) => this.onStanza(a, el, at),
        onClose: (expected, reason) => {
          if (expected) return;
          this.stats.unexpectedCloses++;
          this.problem(`session closed: ${reason}`);
          this.wentOffline(a, performance.now() + 1000);
        },
      });
      return true;
    } catch (err) {
      const message = (err as Error).message;
      if (message.endsWith('timed out')) this.stats.loginTimeouts++;
      else this.stats.loginFailures++;
      this.problem(`login failed: ${message}`);
      this.wentOffline(a, performance.now() + retryMs);
      return false;
    } finally {
      this.busy--;
    }
  }

  private wentOffline(a: Account, returnAt: number): void {
    this.ready.delete(a.i);
    a.client = undefined;
    a.state = 'offline';
    a.offlineAt = performance.now();
    a.returnAt = returnAt;
    this.offline.add(a.i);
  }

  private onStanza(a: Account, el: Element, at: number): void {
    if (el.name === 'message') {
      const id = el.attrs.id as string | undefined;
      if (el.attrs.type === 'error') this.ledger.bounce(id);
      else this.ledger.receive(id, a.i, at, el.getChild('delay', 'urn:xmpp:delay') !== undefined);
    } else if (el.name === 'presence') {
      this.stats.presenceIn++;
    } else {
      this.stats.otherIn++;
      // RFC 6120 §8.2.3: an IQ request gets an answer (a roster push a result, anything else an error).
      const type = el.attrs.type as string | undefined;
      if (el.name === 'iq' && (type === 'get' || type === 'set')) {
        const reply = type === 'set' && el.getChild('query', 'jabber:iq:roster')
          ? `<iq type='result' id='${String(el.attrs.id)}'/>`
          : `<iq type='error' id='${String(el.attrs.id)}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`;
        a.client?.send(reply);
      }
    }
  }

  /**
   * Takes a ready account offline: no new messages for it; waits until the messages already
   * addressed to it have arrived and until the server has handled everything it sent (a ping),
   * then closes the stream cleanly or resets the TCP connection. Back after `offlineMs`.
   */
  async leave(i: number, abrupt: boolean, offlineMs: number): Promise<void> {
    const a = this.accounts[i]!;
    const client = a.client;
    if (a.state !== 'ready' || !client) return;
    a.state = 'leaving';
    this.ready.delete(i);
    this.busy++;
    try {
      const deadline = performance.now() + STEP_TIMEOUT_MS;
      while (this.ledger.pendingFor(i) > 0 && performance.now() < deadline && a.state === 'leaving') await sleep(20);
      if (a.state !== 'leaving') return; // closed by the server meanwhile
      const answered = await client.barrier(STEP_TIMEOUT_MS);
      if (this.ledger.pendingFor(i) > 0 || !answered) this.stats.leaveTimeouts++;
      if (abrupt) {
        await client.abort();
        this.stats.abortedCloses++;
      } else {
        await client.close(STEP_TIMEOUT_MS);
        this.stats.cleanCloses++;
      }
      this.wentOffline(a, performance.now() + offlineMs);
    } finally {
      this.busy--;
    }
  }

  /** A random account offline for at least QUARANTINE_MS, if one is found in a few tries. */
  offlineTarget(now: number): number | undefined {
    for (let t = 0; t < 4; t++) {
      const i = this.offline.random();
      if (i !== undefined && now - this.accounts[i]!.offlineAt >= QUARANTINE_MS && now < this.accounts[i]!.returnAt) return i;
    }
    return undefined;
  }

  /** Offline accounts whose time to return has come. */
  due(now: number): number[] {
    return this.offline.values().filter((i) => this.accounts[i]!.returnAt <= now);
  }

  /** Sends a message from account `from` (which must be ready). */
  send(from: number, data: string): void {
    this.accounts[from]!.client!.send(data);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
