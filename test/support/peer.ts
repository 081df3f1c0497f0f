// A logged-in test client that keeps what it did not wait for, so nothing is lost to ordering
// when several stanzas race (roster pushes, subscription presence, messages).
import xml, { type Element } from '@xmpp/xml';
import type { RawClient } from './raw-client.js';

/** A logged-in client and the full JID it is bound to. */
export class LoggedIn {
  constructor(readonly client: RawClient, readonly jid: string) {}

  get bare(): string {
    return this.jid.split('/')[0]!;
  }

  send(el: Element): void {
    this.client.send(el);
  }
}

/** A logged-in client that keeps what it did not wait for, so nothing is lost to ordering. */
export class Peer extends LoggedIn {
  readonly inbox: Element[] = [];
  /** Every element take() has read, in the order it arrived (to check an order). */
  readonly seen: Element[] = [];

  /** The first element (waiting or to come) that matches, removed from the inbox. */
  async take(match: (el: Element) => boolean, timeoutMs = 5000): Promise<Element> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return this.inbox.splice(i, 1)[0]!;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const el = await this.client.next(Math.max(1, deadline - Date.now()));
      if (!el) throw new Error(`${this.jid}: connection closed`);
      this.seen.push(el);
      if (match(el)) return el;
      this.inbox.push(el);
    }
  }

  /** What arrives in the next `ms` milliseconds, with what was waiting; the inbox is emptied. */
  async drain(ms = 300): Promise<Element[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        const el = await this.client.next(left);
        if (!el) break;
        this.inbox.push(el);
      } catch {
        break;
      }
    }
    return this.inbox.splice(0);
  }

  /**
   * Pings the server and returns everything received and not yet taken, up to the answer. A
   * stream's stanzas are handled in order, so whatever the earlier ones caused has arrived.
   */
  async settle(server = this.bare.split('@').pop()!): Promise<Element[]> {
    const id = `ping${Math.random().toString(36).slice(2)}`;
    this.send(xml('iq', { type: 'get', id, to: server }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    await this.take((e) => e.name === 'iq' && e.attrs.id === id);
    return this.inbox.splice(0);
  }

  async iq(el: Element): Promise<Element> {
    const id = `q${Math.random().toString(36).slice(2)}`;
    el.attrs.id = id;
    this.send(el);
    return this.take((e) => e.name === 'iq' && e.attrs.id === id && (e.attrs.type === 'result' || e.attrs.type === 'error'));
  }
}
