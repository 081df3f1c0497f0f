// A test client side of stream management (XEP-0198) on top of RawClient: it reads the stream
// in order, counts the stanzas received since <enabled/> or <resumed/> (its 'h'), and keeps
// what a test did not wait for yet, so nothing is lost to ordering.
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from './raw-client.js';

export const NS_SM = 'urn:xmpp:sm:3';
const WAIT_MS = 5000;

let seq = 0;

const isStanza = (el: Element): boolean => el.name === 'message' || el.name === 'presence' || el.name === 'iq';
const isSm = (name: string) => (el: Element): boolean => el.name === name && el.attrs.xmlns === NS_SM;

export interface PeerLogin {
  port: number;
  ca: string;
  user: string;
  password: string;
}

export class SmPeer {
  /** Stanzas received since stream management started on this stream (plus any carried over). */
  h = 0;
  private counting = false;
  private readonly kept: Element[] = [];

  constructor(readonly client: RawClient) {}

  /** Connects and authenticates (no bind): ready to resume, or to bind. */
  static async authenticated(l: PeerLogin): Promise<SmPeer> {
    const client = await RawClient.connect({ port: l.port, ca: l.ca });
    await client.authenticate(l.user, l.password);
    return new SmPeer(client);
  }

  /** Connects, authenticates and binds `resource`. */
  static async bound(l: PeerLogin, resource: string): Promise<SmPeer> {
    const peer = await SmPeer.authenticated(l);
    await peer.client.bind(resource);
    return peer;
  }

  private async pull(timeoutMs: number): Promise<Element> {
    const el = await this.client.next(timeoutMs);
    if (!el) throw new Error('connection closed while waiting');
    if (this.counting && isStanza(el)) this.h++;
    if (isSm('enabled')(el) || isSm('resumed')(el)) this.counting = true;
    return el;
  }

  /** The first element (kept or new) that matches, waiting at most timeoutMs. */
  async take(match: (el: Element) => boolean, timeoutMs = WAIT_MS): Promise<Element> {
    const i = this.kept.findIndex(match);
    if (i >= 0) return this.kept.splice(i, 1)[0]!;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const el = await this.pull(Math.max(1, deadline - Date.now()));
      if (match(el)) return el;
      this.kept.push(el);
    }
  }

  send(el: Element): void {
    this.client.send(el);
  }

  /** Sends <enable/> and returns the answer (<enabled/> or <failed/>). */
  async enable(attrs: Record<string, string> = { resume: 'true' }): Promise<Element> {
    this.send(xml('enable', { xmlns: NS_SM, ...attrs }));
    return this.take((e) => isSm('enabled')(e) || isSm('failed')(e));
  }

  /** Sends <resume/> and returns the answer (<resumed/> or <failed/>); `h` carries over. */
  async resume(previd: string, h: number): Promise<Element> {
    this.h = h;
    this.send(xml('resume', { xmlns: NS_SM, previd, h: String(h) }));
    return this.take((e) => isSm('resumed')(e) || isSm('failed')(e));
  }

  /** Acknowledges everything received so far. */
  ack(): void {
    this.send(xml('a', { xmlns: NS_SM, h: String(this.h) }));
  }

  /** Asks the server for its count and returns it. */
  async request(): Promise<number> {
    this.send(xml('r', { xmlns: NS_SM }));
    const a = await this.take(isSm('a'));
    return Number(a.attrs.h);
  }

  /**
   * Pings the server and returns everything received and not yet taken, up to the answer. A
   * stream's stanzas are handled in order, so whatever the earlier ones caused has arrived.
   */
  async settle(): Promise<Element[]> {
    const id = `settle${++seq}`;
    this.send(xml('iq', { type: 'get', id, to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    await this.take((e) => e.name === 'iq' && e.attrs.id === id);
    return this.kept.splice(0);
  }

  /**
   * After the connection is gone: everything it delivered that was not taken yet, counted, as a
   * client that read the last bytes before the cut would have.
   */
  async leftovers(): Promise<Element[]> {
    await this.client.closed;
    for (;;) {
      const el = await this.client.next(1);
      if (!el) return this.kept.splice(0);
      if (this.counting && isStanza(el)) this.h++;
      this.kept.push(el);
    }
  }

  /** Elements received and not taken yet, removed from the peer. */
  drain(): Element[] {
    return this.kept.splice(0);
  }
}

/** Logs peers in on one test server and closes them all at the end. */
export class SmPeers {
  private readonly all: SmPeer[] = [];
  constructor(private readonly server: () => { port: number; ca: string }) {}

  login(user: string): PeerLogin {
    return { ...this.server(), user, password: `pw-${user}` };
  }

  async bound(user: string, resource: string): Promise<SmPeer> {
    return this.track(await SmPeer.bound(this.login(user), resource));
  }

  async authenticated(user: string): Promise<SmPeer> {
    return this.track(await SmPeer.authenticated(this.login(user)));
  }

  track(peer: SmPeer): SmPeer {
    this.all.push(peer);
    return peer;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.client.close()));
  }
}

/**
 * A resumable, available session of `user` (presence with `priority`, if given) whose
 * connection is then cut; resolves once `hibernating()` (the server's hibernating sessions)
 * lists it, with what a resumption needs.
 */
export async function hibernate(
  peers: SmPeers, hibernating: () => readonly { jid: { full: string } }[], user: string, resource: string, priority?: number,
): Promise<{ previd: string; h: number }> {
  const peer = await peers.bound(user, resource);
  const enabled = await peer.enable({ resume: 'true' });
  peer.send(priority === undefined ? xml('presence') : xml('presence', {}, xml('priority', {}, String(priority))));
  await peer.settle();
  peer.ack();
  await peer.settle();
  peer.client.destroy();
  await peer.leftovers();
  const jid = `${user}@localhost/${resource}`;
  await waitFor(() => hibernating().some((s) => s.jid.full === jid), `${jid} to hibernate`);
  return { previd: enabled.attrs.id as string, h: peer.h };
}

/** A chat message whose id is its body. */
export const chat = (to: string, body: string): Element => xml('message', { to, type: 'chat', id: body }, xml('body', {}, body));

/** The first child element's name: the condition of a <failed/> or a stream error. */
export const condition = (el: Element): string | undefined => el.children.find((c): c is Element => typeof c !== 'string')?.name;

/** The bodies of the messages among `els`, in order. */
export const bodies = (els: Element[]): string[] =>
  els.filter((e) => e.name === 'message').map((e) => e.getChildText('body') ?? '');

export const smElement = isSm;

/** Waits until `done()` holds, checking every few milliseconds, failing after `timeoutMs`. */
export async function waitFor(done: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
