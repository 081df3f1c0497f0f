// Helpers of the presence tests (RFC 6121 §4): a client that keeps every element it receives, a
// suite whose server runs the presence module alone, with fresh accounts and consistent rosters
// for each test, and the presence stanzas and checks the tests share.
import xml, { type Element } from '@xmpp/xml';
import type { Subscription } from '../../src/storage/types.js';
import { LoggedIn } from './peer.js';
import { RawClient } from './raw-client.js';
import { startTestServer, type TestServer } from './server.js';

/** A logged-in client that keeps every element it receives, so that order never loses one. */
export class RecordingPeer extends LoggedIn {
  readonly seen: Element[] = [];

  async until(match: (el: Element) => boolean, timeoutMs = 5000): Promise<Element> {
    const found = this.seen.find(match);
    if (found) return found;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const el = await this.client.next(Math.max(1, deadline - Date.now()));
      if (!el) throw new Error(`${this.jid}: connection closed`);
      this.seen.push(el);
      if (match(el)) return el;
    }
  }

  /** Collects whatever arrives in the next `ms` milliseconds (for "nothing else arrived" checks). */
  async settle(ms = 300): Promise<Element[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return this.seen;
      try {
        const el = await this.client.next(left);
        if (!el) return this.seen;
        this.seen.push(el);
      } catch {
        return this.seen;
      }
    }
  }

  presences(from: string, type?: string): Element[] {
    return this.seen.filter((e) => e.name === 'presence' && e.attrs.from === from && e.attrs.type === type);
  }
}

/** A presence stanza from `from`, of this type (none: available). */
export const isPresence = (from: string, type?: string) => (e: Element): boolean =>
  e.name === 'presence' && e.attrs.from === from && e.attrs.type === type;

export const available = (children: Element[] = []): Element => xml('presence', {}, ...children);
export const status = (text: string): Element => xml('status', {}, text);

export interface PresenceSuite {
  /** The running server, once the suite's before hook has run. */
  readonly ts: TestServer;
  /**
   * Fresh accounts for one test, with consistent rosters on both sides:
   * alice-bob both; carol subscribed to alice (alice: from); alice subscribed to dave (alice: to);
   * erin in alice's roster with none; mallory a stranger. Returns the bare JID of each name.
   */
  setup(): Promise<(name: string) => string>;
  /** Logs in; with `presence`, sends it as initial presence and waits for its echo (§4.2.2). */
  online(bare: string, resource: string, presence?: Element): Promise<RecordingPeer>;
}

/** Starts a server for the enclosing describe and closes every peer after each test. */
export function presenceSuite(): PresenceSuite {
  let ts: TestServer;
  let world = 0;
  const peers: RecordingPeer[] = [];

  before(async () => {
    // Only the module under test, so that other modules' rules (blocking, offline storage,
    // the roster's subscription flow) do not blur what these tests check.
    ts = await startTestServer((c) => {
      c.modules = { presence: {} };
      c.hosts['example.test'] = { tls: {} };
    });
  });
  afterEach(() => {
    for (const p of peers.splice(0)) p.client.destroy();
  });
  after(() => ts.stop());

  async function setup(): Promise<(name: string) => string> {
    const prefix = `w${++world}`;
    const bare = (name: string): string => `${prefix}${name}@localhost`;
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'mallory']) await ts.addUser(bare(name), 'pw');
    const roster = ts.server.storage.roster;
    const set = (owner: string, contact: string, subscription: Subscription): Promise<number> =>
      roster.setItem('localhost', `${prefix}${owner}`, { jid: bare(contact), subscription, ask: false, approved: false, groups: [] });
    await set('alice', 'bob', 'both');
    await set('bob', 'alice', 'both');
    await set('alice', 'carol', 'from');
    await set('carol', 'alice', 'to');
    await set('alice', 'dave', 'to');
    await set('dave', 'alice', 'from');
    await set('alice', 'erin', 'none');
    await set('erin', 'alice', 'none');
    return bare;
  }

  async function online(bare: string, resource: string, presence?: Element): Promise<RecordingPeer> {
    const domain = bare.split('@')[1]!;
    const client = await RawClient.connect({ port: ts.c2sPort, domain, ca: await ts.ca(domain) });
    const jid = await client.login(bare.split('@')[0]!, 'pw', resource);
    const peer = new RecordingPeer(client, jid);
    peers.push(peer);
    if (presence) {
      peer.send(presence);
      await peer.until((e) => isPresence(jid)(e) && e.attrs.to === jid);
    }
    return peer;
  }

  return {
    get ts() {
      return ts;
    },
    setup,
    online,
  };
}
