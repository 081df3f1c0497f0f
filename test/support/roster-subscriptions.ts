// Helpers of the presence subscription tests (RFC 6121 §3): the subscription stanzas, roster
// push checks, and a suite whose server has a second virtual host, with fresh accounts, logged-in
// peers, the roster as a client reads it and subscription states set straight in storage.
import xml from '@xmpp/xml';
import type { Subscription } from '../../src/storage/types.js';
import { Peer } from './peer.js';
import { isPresence } from './presence.js';
import { NS_ROSTER } from './roster-push.js';
import { RawClient } from './raw-client.js';
import { startTestServer, type TestServer } from './server.js';

/** A second virtual host of the same server, with its own roster module instance. */
export const OTHER = 'example.test';

export const sub = (type: string, to: string, id?: string) => xml('presence', id ? { type, to, id } : { type, to });

export interface SubscriptionSuite {
  /** The running server, once the suite's before hook has run. */
  readonly ts: TestServer;
  /** A fresh account on `domain`; returns its bare JID. */
  account(domain?: string): Promise<string>;
  /** Logs in; requests the roster (interested, §2.2) and sends initial presence (available). */
  connect(bare: string, resource: string, opts?: { roster?: boolean; available?: boolean }): Promise<Peer>;
  /** The roster as the client reads it: each JID with subscription, ask and approved joined by '+'. */
  roster(p: Peer): Promise<Record<string, string>>;
  /** Sets the subscription of `owner` (on localhost) to `contact` straight in storage. */
  setState(owner: string, contact: string, subscription: Subscription): Promise<void>;
}

/** Starts a server for the enclosing describe and closes every peer after each test. */
export function subscriptionSuite(): SubscriptionSuite {
  let ts: TestServer;
  let ca: string;
  let caOther: string;
  let n = 0;
  const peers: Peer[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.hosts[OTHER] = { tls: {} };
    });
    ca = await ts.ca();
    caOther = await ts.ca(OTHER);
  });
  afterEach(() => {
    for (const p of peers.splice(0)) p.client.destroy();
  });
  after(() => ts.stop());

  async function account(domain = 'localhost'): Promise<string> {
    const name = `s${++n}`;
    await ts.addUser(`${name}@${domain}`, 'pw');
    return `${name}@${domain}`;
  }

  async function connect(bare: string, resource: string, opts: { roster?: boolean; available?: boolean } = {}): Promise<Peer> {
    const domain = bare.split('@')[1]!;
    const c = await RawClient.connect({ port: ts.c2sPort, domain, ca: domain === OTHER ? caOther : ca });
    const p = new Peer(c, await c.login(bare.split('@')[0]!, 'pw', resource));
    peers.push(p);
    if (opts.roster ?? true) await p.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: NS_ROSTER })));
    if (opts.available ?? true) {
      p.send(xml('presence'));
      await p.take(isPresence(p.jid)); // its own presence, back from the broadcast (§4.2.2)
    }
    return p;
  }

  async function roster(p: Peer): Promise<Record<string, string>> {
    const res = await p.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: NS_ROSTER })));
    const out: Record<string, string> = {};
    for (const i of res.getChild('query')!.getChildren('item')) {
      out[i.attrs.jid as string] = [i.attrs.subscription, i.attrs.ask, i.attrs.approved].filter(Boolean).join('+');
    }
    return out;
  }

  async function setState(owner: string, contact: string, subscription: Subscription): Promise<void> {
    const [username] = owner.split('@');
    await ts.server.storage.roster.setItem('localhost', username!, { jid: contact, subscription, ask: false, approved: false, groups: [] });
  }

  return {
    get ts() {
      return ts;
    },
    account,
    connect,
    roster,
    setState,
  };
}
