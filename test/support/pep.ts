// Test helpers for PEP (XEP-0163): clients that announce entity capabilities (XEP-0115) and
// answer the server's disco#info about them, and the pubsub requests and events of XEP-0060.
import { createHash } from 'node:crypto';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Subscription } from '../../src/storage/types.js';
import { Peer } from './peer.js';
import { RawClient } from './raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from './server.js';

export const PUBSUB = 'http://jabber.org/protocol/pubsub';
export const PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
export const PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const PUBSUB_ERRORS = 'http://jabber.org/protocol/pubsub#errors';
const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const CAPS = 'http://jabber.org/protocol/caps';
const CAPS_NODE = 'https://starling.example/test-client';
const IDENTITY = { category: 'client', type: 'pc', name: 'Starling tests' };
/** A node of each test account whose last item tells its client the server knows its caps. */
export const READY = 'urn:starling:test:ready';

/** XEP-0115 §5.1 for one identity and no forms: S is 'category/type//name<' then 'feature<' each. */
export function capsVer(features: readonly string[]): string {
  const s = `${IDENTITY.category}/${IDENTITY.type}//${IDENTITY.name}<${[...features].sort().map((f) => `${f}<`).join('')}`;
  return createHash('sha1').update(s, 'utf8').digest('base64');
}

export async function connect(ts: TestServer, user: string, resource: string): Promise<Peer> {
  const client = await RawClient.connect({ port: ts.c2sPort, ca: await ts.ca() });
  const jid = await client.login(user, `pw-${user}`, resource);
  return new Peer(client, jid);
}

/** A server for one suite: accounts '<name>@localhost' with password 'pw-<name>', and their clients. */
export class PepWorld {
  ts!: TestServer;
  private readonly peers: Peer[] = [];

  async start(users: readonly string[], change?: ConfigChange): Promise<void> {
    this.ts = await startTestServer(change);
    for (const u of users) await this.ts.addUser(`${u}@localhost`, `pw-${u}`);
  }

  async login(user: string, resource: string): Promise<Peer> {
    const p = await connect(this.ts, user, resource);
    this.peers.push(p);
    return p;
  }

  /** `owner`'s roster item for `contact`, written straight to storage before anyone logs in. */
  roster(owner: string, contact: string, subscription: Subscription, groups: string[] = []): Promise<number> {
    return this.ts.server.storage.roster.setItem('localhost', owner, { jid: `${contact}@localhost`, subscription, ask: false, approved: false, groups });
  }

  /** A subscription both ways between two accounts. */
  async mutual(a: string, b: string): Promise<void> {
    await this.roster(a, b, 'both');
    await this.roster(b, a, 'both');
  }

  async stop(): Promise<void> {
    for (const p of this.peers) p.client.destroy();
    await this.ts.stop();
  }
}

export interface Announce {
  /** The 'ver' to announce instead of the right one (to test verification). */
  ver?: string;
  /** Expect no disco#info (the server knows the string already). */
  cached?: boolean;
  /** Skip the READY handshake (the caller waits on something else). */
  noReady?: boolean;
}

/**
 * Sends available presence with caps for `features` (plus READY+notify), answers the server's
 * disco#info, and waits for the READY node's last item: from then on the server filters
 * notifications to this resource by `features`.
 */
export async function online(peer: Peer, features: readonly string[], opts: Announce = {}): Promise<void> {
  const all = opts.noReady ? [...features] : [...features, `${READY}+notify`];
  if (!opts.noReady) await publish(peer, READY, 'ready', xml('ready', { xmlns: 'urn:starling:test' }));
  const ver = opts.ver ?? capsVer(all);
  peer.send(xml('presence', {}, xml('c', { xmlns: CAPS, hash: 'sha-1', node: CAPS_NODE, ver })));
  if (!opts.cached) await answerDisco(peer, all);
  if (!opts.noReady) await peer.take((e) => eventNode(e) === READY && e.attrs.to === peer.jid);
}

/** Answers the server's disco#info about our caps with our identity and `features`. */
export async function answerDisco(peer: Peer, features: readonly string[]): Promise<void> {
  const q = await peer.take((e) => e.name === 'iq' && e.attrs.type === 'get' && e.getChild('query', DISCO_INFO) !== undefined);
  const node = q.getChild('query', DISCO_INFO)!.attrs.node as string;
  peer.send(xml('iq', { type: 'result', to: q.attrs.from as string, id: q.attrs.id as string },
    xml('query', { xmlns: DISCO_INFO, node }, xml('identity', IDENTITY), ...features.map((f) => xml('feature', { var: f })))));
}

/** The node of a pubsub event message, if it is one. */
export function eventNode(e: Element): string | undefined {
  if (e.name !== 'message') return undefined;
  const ev = e.getChild('event', PUBSUB_EVENT);
  const child = ev?.children.find((c): c is Element => typeof c !== 'string');
  return child?.attrs.node as string | undefined;
}

/** A publish-options form (XEP-0060 §7.1.5). */
export function publishOptions(fields: Record<string, string>): Element {
  return xml('publish-options', {}, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${PUBSUB}#publish-options`)),
    ...Object.entries(fields).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value)))));
}

export function publishIq(node: string, id: string | undefined, payload: Element, options?: Record<string, string>): Element {
  const pubsub = xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node }, xml('item', id === undefined ? {} : { id }, payload)));
  if (options) pubsub.append(publishOptions(options));
  return xml('iq', { type: 'set' }, pubsub);
}

/** Publishes and expects success; resolves with the result. */
export async function publish(peer: Peer, node: string, id: string | undefined, payload: Element, options?: Record<string, string>): Promise<Element> {
  const res = await peer.iq(publishIq(node, id, payload, options));
  if (res.attrs.type !== 'result') throw new Error(`publish to ${node} failed: ${res.toString()}`);
  return res;
}

export function itemsIq(to: string | undefined, node: string, attrs: Record<string, string> = {}, ids: string[] = []): Element {
  return xml('iq', to ? { type: 'get', to } : { type: 'get' },
    xml('pubsub', { xmlns: PUBSUB }, xml('items', { node, ...attrs }, ...ids.map((id) => xml('item', { id })))));
}

/** The <item/>s of an items result or an event. */
export function itemsOf(stanza: Element): Element[] {
  const items = stanza.getChild('pubsub', PUBSUB)?.getChild('items') ?? stanza.getChild('event', PUBSUB_EVENT)?.getChild('items');
  return items?.getChildren('item') ?? [];
}

/** The pubsub#errors condition of an error stanza, e.g. 'precondition-not-met'. */
export function pubsubCondition(stanza: Element): string | undefined {
  const err = stanza.getChild('error');
  return err?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === PUBSUB_ERRORS)?.name;
}
