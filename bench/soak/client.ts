// A minimal XMPP client for the soak test: thousands of them run in one process, so it keeps
// nothing but a parser (ltx, through @xmpp/xml) and a few fields per connection. Login is the
// sequence of a real client: stream, STARTTLS, SCRAM-SHA-256, restart, bind, roster, initial
// presence (ready once the server echoes it, RFC 6121 §4.2.2).
import net from 'node:net';
import tls from 'node:tls';
import { Parser, type Element } from '@xmpp/xml';
import { ScramClient, pbkdf2SaltedPassword, type SaltedPasswordFn } from '../../test/support/scram-client.js';

/**
 * Every soak account shares one credential set, so the SaltedPassword is derived once for all
 * logins on the load side (the server never runs PBKDF2 at login either).
 */
const derived = new Map<string, Promise<Buffer>>();
const sharedSaltedPassword: SaltedPasswordFn = (password, salt, iterations, length, hash) => {
  const key = [password, salt.toString('base64'), iterations, length, hash].join('\u0000');
  let p = derived.get(key);
  if (!p) derived.set(key, (p = pbkdf2SaltedPassword(password, salt, iterations, length, hash)));
  return p;
};

export interface LoginOptions {
  port: number;
  domain: string;
  ca: string;
  username: string;
  password: string;
  resource: string;
  timeoutMs: number;
}

export interface ClientHandlers {
  /** Every stanza after login (and those that arrived during it, in order). */
  onStanza(el: Element, at: number): void;
  /** The socket closed; `expected` when close() or abort() asked for it. */
  onClose(expected: boolean, reason: string): void;
}

const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

export class SoakClient {
  private socket: net.Socket;
  private parser!: Parser;
  private handlers: ClientHandlers | undefined;
  /** Elements that arrived during login and were not what a step waited for. */
  private deferred: Element[] = [];
  private inbox: Element[] = [];
  private waiter: ((el: Element | undefined) => void) | undefined;
  private readonly pendingIq = new Map<string, (el: Element | undefined) => void>();
  private closing = false;
  private isClosed = false;
  private lastError = '';
  private iqSeq = 0;
  private readonly closed: Promise<void>;
  jid = '';
  rosterItems = 0;

  private constructor(private readonly plain: net.Socket, private readonly domain: string) {
    this.socket = plain;
    this.resetParser();
    this.closed = new Promise((resolve) => plain.once('close', () => {
      this.isClosed = true;
      this.waiter?.(undefined);
      for (const r of this.pendingIq.values()) r(undefined);
      this.pendingIq.clear();
      this.handlers?.onClose(this.closing, this.lastError || 'closed');
      resolve();
    }));
    plain.on('error', (err) => (this.lastError = err.message));
    this.listen(plain);
  }

  /** Connects and logs in; rejects (and closes the socket) when a step fails or time runs out. */
  static async login(o: LoginOptions): Promise<SoakClient> {
    const plain = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: o.port }, () => resolve(s));
      s.once('error', reject);
    });
    const c = new SoakClient(plain, o.domain);
    try {
      await c.negotiate(o, Date.now() + o.timeoutMs);
      return c;
    } catch (err) {
      c.closing = true;
      plain.destroy();
      throw err;
    }
  }

  private listen(socket: net.Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => this.parser.write(s));
  }

  private resetParser(): void {
    this.parser = new Parser();
    this.parser.on('element', (el: Element) => this.push(el));
    this.parser.on('end', () => this.onStreamEnd());
    this.parser.on('error', (err: Error) => {
      this.lastError = `parse error: ${err.message}`;
      this.socket.destroy();
    });
  }

  private push(el: Element): void {
    if (el.name === 'stream:error') this.lastError = `stream error: ${el.children.map((c) => (typeof c === 'string' ? '' : c.name)).join(' ')}`;
    if (this.handlers) return this.dispatch(el);
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(el);
    } else this.inbox.push(el);
  }

  private dispatch(el: Element): void {
    if (el.name === 'iq' && (el.attrs.type === 'result' || el.attrs.type === 'error')) {
      const r = this.pendingIq.get(el.attrs.id as string);
      if (r) {
        this.pendingIq.delete(el.attrs.id as string);
        return r(el);
      }
    }
    this.handlers!.onStanza(el, performance.now());
  }

  private onStreamEnd(): void {
    if (!this.closing) this.lastError ||= 'the server closed the stream';
    this.socket.end();
  }

  private write(data: string): void {
    if (!this.isClosed) this.socket.write(data);
  }

  /** The next element matching `match`; others are kept for the handlers. */
  private async expect(match: (el: Element) => boolean, deadline: number, what: string): Promise<Element> {
    for (;;) {
      const el = this.inbox.shift() ?? (await this.next(deadline, what));
      if (match(el)) return el;
      if (el.name === 'stream:error' || el.name === 'failure') throw new Error(`${what}: got ${el.toString().slice(0, 200)}`);
      this.deferred.push(el);
    }
  }

  private next(deadline: number, what: string): Promise<Element> {
    if (this.isClosed) return Promise.reject(new Error(`${what}: connection closed (${this.lastError || 'no reason'})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${what}: timed out`));
      }, Math.max(1, deadline - Date.now()));
      this.waiter = (el) => {
        clearTimeout(timer);
        if (el) resolve(el);
        else reject(new Error(`${what}: connection closed (${this.lastError || 'no reason'})`));
      };
    });
  }

  private async open(deadline: number): Promise<Element> {
    this.resetParser();
    this.write(`<?xml version='1.0'?><stream:stream to='${this.domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en'>`);
    return this.expect((e) => e.name === 'stream:features', deadline, 'stream features');
  }

  private async negotiate(o: LoginOptions, deadline: number): Promise<void> {
    const first = await this.open(deadline);
    if (!first.getChild('starttls', NS_TLS)) throw new Error('no STARTTLS offered');
    this.write(`<starttls xmlns='${NS_TLS}'/>`);
    await this.expect((e) => e.name === 'proceed', deadline, 'STARTTLS');
    this.plain.removeAllListeners('data');
    this.socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ socket: this.plain, servername: this.domain, ca: o.ca }, () => resolve(s));
      s.once('error', reject);
    });
    this.socket.on('error', (err) => (this.lastError = err.message));
    this.listen(this.socket);

    const features = await this.open(deadline);
    const mechanisms = (features.getChild('mechanisms', NS_SASL)?.getChildren('mechanism') ?? []).map((m) => m.getText());
    if (!mechanisms.includes('SCRAM-SHA-256')) throw new Error(`SCRAM-SHA-256 not offered (${mechanisms.join(' ')})`);
    const scram = new ScramClient({ hash: 'sha256', username: o.username, password: o.password, derive: sharedSaltedPassword });
    this.write(`<auth xmlns='${NS_SASL}' mechanism='SCRAM-SHA-256'>${scram.first().toString('base64')}</auth>`);
    const challenge = await this.expect((e) => e.name === 'challenge', deadline, 'SASL challenge');
    const answer = await scram.final(Buffer.from(challenge.getText(), 'base64'));
    this.write(`<response xmlns='${NS_SASL}'>${answer.toString('base64')}</response>`);
    scram.verifyServerFinal(Buffer.from((await this.expect((e) => e.name === 'success', deadline, 'SASL success')).getText(), 'base64'));

    await this.open(deadline);
    this.write(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${o.resource}</resource></bind></iq>`);
    const bound = await this.expect((e) => e.name === 'iq' && e.attrs.id === 'bind', deadline, 'bind');
    this.jid = bound.getChild('bind')?.getChildText('jid') ?? '';
    if (bound.attrs.type !== 'result' || !this.jid) throw new Error(`bind failed: ${bound.toString().slice(0, 200)}`);

    this.write(`<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>`);
    const roster = await this.expect((e) => e.name === 'iq' && e.attrs.id === 'roster', deadline, 'roster');
    if (roster.attrs.type !== 'result') throw new Error(`roster get failed: ${roster.toString().slice(0, 200)}`);
    this.rosterItems = roster.getChild('query')?.getChildren('item').length ?? 0;

    this.write('<presence/>');
    await this.expect((e) => e.name === 'presence' && e.attrs.from === this.jid && e.attrs.type === undefined, deadline, 'presence echo');
  }

  /** Hands the stanzas kept during login, then every new one, to `handlers`. */
  start(handlers: ClientHandlers): void {
    this.handlers = handlers;
    for (const el of [...this.deferred, ...this.inbox]) this.dispatch(el);
    this.deferred = [];
    this.inbox = [];
    if (this.isClosed) handlers.onClose(this.closing, this.lastError || 'closed');
  }

  send(data: string): void {
    this.write(data);
  }

  /**
   * A ping to the server: its answer proves that every stanza sent before it has been handled
   * (each stream's stanzas are handled in order). Resolves false on a timeout or a close.
   */
  async barrier(timeoutMs: number): Promise<boolean> {
    const id = `b${++this.iqSeq}`;
    const answer = new Promise<Element | undefined>((resolve) => {
      this.pendingIq.set(id, resolve);
      setTimeout(() => {
        if (this.pendingIq.delete(id)) resolve(undefined);
      }, timeoutMs).unref();
    });
    this.write(`<iq type='get' id='${id}' to='${this.domain}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    return (await answer)?.attrs.type === 'result';
  }

  /** Closes the stream and waits for the server to close its side (destroys after `timeoutMs`). */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.write('</stream:stream>');
    const t = setTimeout(() => this.plain.destroy(), timeoutMs);
    await this.closed;
    clearTimeout(t);
  }

  /** Drops the connection without a closing tag or TLS close_notify: a TCP reset. */
  async abort(): Promise<void> {
    this.closing = true;
    if (!this.isClosed) this.plain.resetAndDestroy();
    await this.closed;
  }
}
