// A stand-in for an app server's XMPP Push Service (XEP-0357 §3) in integration tests. Until
// server-to-server exists, a push service must live on one of the server's own domains: the test
// configures a virtual host without modules (PUSH_HOST) and this class hooks that host's events
// to take the publish requests sent to it, record them and answer them as told.
import xml, { type Element } from '@xmpp/xml';
import type { Config } from '../../src/config/types.js';
import type { TestServer } from './server.js';

export const PUSH_HOST = 'push.localhost';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** Adds the push service's domain, as a host with no modules, to a test server's config. */
export function withPushHost(c: Config): void {
  c.hosts[PUSH_HOST] = { tls: {}, modules: {} };
}

/** How the service answers a publish: with a result, an error, or not at all. */
export type Answer = 'result' | 'silent' | { type: 'cancel' | 'auth' | 'modify' | 'wait'; condition: string };

/** What a notification says: its node, summary fields and publish options, as plain values. */
export interface Notification {
  readonly from: string;
  readonly node: string | undefined;
  readonly summary: Record<string, string>;
  readonly options: Record<string, string> | undefined;
}

function formValues(x: Element | undefined): Record<string, string> | undefined {
  if (!x) return undefined;
  const out: Record<string, string> = {};
  for (const f of x.getChildren('field')) out[f.attrs.var as string] = f.getChildText('value') ?? '';
  return out;
}

/** Reads the parts of a publish request (XEP-0357 §7) that tests assert on. */
export function readNotification(iq: Element): Notification {
  const pubsub = iq.getChild('pubsub', NS_PUBSUB)!;
  const publish = pubsub.getChild('publish');
  const notification = publish?.getChild('item')?.getChild('notification', 'urn:xmpp:push:0');
  return {
    from: iq.attrs.from as string,
    node: publish?.attrs.node as string | undefined,
    summary: formValues(notification?.getChild('x', 'jabber:x:data')) ?? {},
    options: formValues(pubsub.getChild('publish-options')?.getChild('x', 'jabber:x:data')),
  };
}

export class PushService {
  /** Every publish request received, in order. */
  readonly received: Element[] = [];
  answer: Answer = 'result';
  private taken = 0;
  private waiter: (() => void) | undefined;
  private readonly stop: () => void;

  constructor(private readonly ts: TestServer) {
    const host = ts.server.hosts.get(PUSH_HOST);
    if (!host) throw new Error(`the test server has no host ${PUSH_HOST}: configure it with withPushHost`);
    this.stop = host.events.on('iq/host', (ev) => {
      if (ev.stanza.attrs.type !== 'set' || !ev.stanza.getChild('pubsub', NS_PUBSUB)) return false;
      this.received.push(ev.stanza);
      this.reply(ev.stanza);
      this.waiter?.();
      return true;
    });
  }

  private reply(iq: Element): void {
    if (this.answer === 'silent') return;
    const attrs = { from: PUSH_HOST, to: iq.attrs.from as string, id: iq.attrs.id as string };
    const reply = this.answer === 'result'
      ? xml('iq', { ...attrs, type: 'result' })
      : xml('iq', { ...attrs, type: 'error' }, xml('error', { type: this.answer.type }, xml(this.answer.condition, { xmlns: NS_STANZAS })));
    void this.ts.server.router.route(reply);
  }

  /** The next publish request not taken yet, waiting at most `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<Element> {
    const deadline = Date.now() + timeoutMs;
    while (this.taken >= this.received.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no push notification within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.received[this.taken++]!;
  }

  /** The next notification, read. */
  async nextNotification(timeoutMs?: number): Promise<Notification> {
    return readNotification(await this.next(timeoutMs));
  }

  /** Publish requests received and not taken yet. */
  get untaken(): number {
    return this.received.length - this.taken;
  }

  close(): void {
    this.stop();
  }
}
