// A small XMPP client for tests that need what @xmpp/client does not offer: raw bytes,
// SCRAM-SHA-256 and -PLUS, direct control of each negotiation step. It parses with ltx
// (@xmpp/xml's parser), independent of the server's own tokenizer. Its SASL exchanges are in
// raw-client-sasl.ts.
import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import { Parser, type Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { PiecewiseLink } from './piecewise-link.js';
import { plainExchange, scramExchange, type ScramMechanism } from './raw-client-sasl.js';

export { failureCondition } from './raw-client-sasl.js';

export interface RawClientOptions {
  port: number;
  domain?: string;
  directTls?: boolean;
  /** PEM of the CA to trust (the server's self-signed certificate). */
  ca?: string;
  /** The ClientHello goes out in two pieces, 50 ms apart (see PiecewiseLink). */
  helloInPieces?: boolean;
  /** ALPN protocols offered: ['xmpp-client'] for direct TLS and none for STARTTLS by default. */
  alpn?: string[];
  /** A TLS session of an earlier connection (`tlsSocket.getSession()`), offered for resumption. */
  session?: Buffer;
  /** The server's certificate (DER) from the full handshake of that session: a resumed session
   *  does not show it, and tls-server-end-point is a hash of it. */
  peerCertificate?: Buffer;
}

export class RawClient {
  private socket: net.Socket;
  private parser!: Parser;
  private readonly inbox: Element[] = [];
  private waiters: Array<(el: Element | undefined) => void> = [];
  header: Record<string, string> | undefined;
  /** Raw bytes received, for byte-level assertions. */
  received = '';
  /** The xml:lang of the stream headers this client sends. */
  lang = 'en';
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  isClosed = false;
  readonly domain: string;

  private constructor(socket: net.Socket, private readonly opts: RawClientOptions) {
    this.domain = opts.domain ?? 'localhost';
    this.socket = socket;
    this.resetParser();
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        this.isClosed = true;
        for (const w of this.waiters) w(undefined);
        this.waiters = [];
        resolve();
      };
      socket.once('close', done);
    });
    this.listen(socket);
  }

  static connect(opts: RawClientOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const secure = { servername: opts.domain ?? 'localhost', ca: opts.ca, ALPNProtocols: opts.alpn ?? ['xmpp-client'], session: opts.session };
      if (opts.directTls && opts.helloInPieces) {
        const tcp = net.connect({ host: '127.0.0.1', port: opts.port }, () => {
          const socket = tls.connect({ ...secure, socket: new PiecewiseLink(tcp) }, () => resolve(new RawClient(socket, opts)));
          socket.once('error', reject);
        });
        tcp.once('error', reject);
        return;
      }
      const socket = opts.directTls
        ? tls.connect({ host: '127.0.0.1', port: opts.port, ...secure }, () => resolve(new RawClient(socket, opts)))
        : net.connect({ host: '127.0.0.1', port: opts.port }, () => resolve(new RawClient(socket, opts)));
      socket.once('error', reject);
    });
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      const s = chunk.toString('utf8');
      this.received += s;
      this.parser.write(s);
    });
    socket.on('error', () => undefined);
  }

  private resetParser(): void {
    this.parser = new Parser();
    this.parser.on('start', (el: Element) => {
      this.header = el.attrs as Record<string, string>;
    });
    this.parser.on('element', (el: Element) => this.push(el));
    this.parser.on('end', () => this.push(xml('stream-end')));
    this.parser.on('error', () => this.push(xml('parse-error')));
  }

  private push(el: Element): void {
    const w = this.waiters.shift();
    if (w) w(el);
    else this.inbox.push(el);
  }

  get tlsSocket(): tls.TLSSocket | undefined {
    return this.socket instanceof tls.TLSSocket ? this.socket : undefined;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  send(el: Element): void {
    this.socket.write(el.toString());
  }

  /**
   * Writes `chunk` again and again until `total` bytes are handed to the socket or the connection
   * closes, waiting for the socket to drain in between (a flood that respects backpressure, so
   * the test process does not buffer it). Resolves with the bytes handed over.
   */
  async flood(chunk: Buffer, total: number): Promise<number> {
    let sent = 0;
    const socket = this.socket;
    while (sent < total && !this.isClosed && socket.writable) {
      const more = socket.write(chunk);
      sent += chunk.length;
      if (!more) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.once('drain', done);
          socket.once('close', done);
        });
      }
    }
    return sent;
  }

  /** Half-closes the connection (TCP FIN) without closing the XML stream. */
  endSocket(): void {
    this.socket.end();
  }

  /** The next top-level element; undefined if the connection closed first. */
  next(timeoutMs = 5000): Promise<Element | undefined> {
    const el = this.inbox.shift();
    if (el) return Promise.resolve(el);
    if (this.isClosed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no element within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (e: Element | undefined): void => {
        clearTimeout(t);
        resolve(e);
      };
      this.waiters.push(waiter);
    });
  }

  /** Skips elements until one matches. */
  async expect(match: (el: Element) => boolean, timeoutMs = 5000): Promise<Element> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const el = await this.next(Math.max(1, deadline - Date.now()));
      if (!el) throw new Error('connection closed before the expected element');
      if (match(el)) return el;
    }
  }

  /** Waits for a stream error and the close; returns the condition. */
  async streamError(timeoutMs = 5000): Promise<string> {
    const el = await this.expect((e) => e.name === 'stream:error', timeoutMs);
    const cond = el.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text');
    return cond?.name ?? 'none';
  }

  /** Opens a stream and returns the features. */
  async open(to = this.domain, extra = ''): Promise<Element> {
    this.resetParser();
    this.write(`<?xml version='1.0'?><stream:stream to='${to}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xml:lang='${this.lang}'${extra}>`);
    return this.expect((e) => e.name === 'stream:features');
  }

  async starttls(): Promise<Element> {
    this.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    const el = await this.next();
    if (el?.name !== 'proceed') throw new Error(`expected proceed, got ${el?.toString()}`);
    const plain = this.socket;
    plain.removeAllListeners('data');
    this.socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const link = this.opts.helloInPieces ? new PiecewiseLink(plain) : plain;
      const alpn = this.opts.alpn ? { ALPNProtocols: this.opts.alpn } : {};
      const s = tls.connect({ socket: link, servername: this.domain, ca: this.opts.ca, session: this.opts.session, ...alpn }, () => resolve(s));
      s.once('error', reject);
    });
    this.listen(this.socket);
    return this.open();
  }

  mechanisms(features: Element): string[] {
    return (features.getChild('mechanisms')?.getChildren('mechanism') ?? []).map((m) => m.getText());
  }

  channelBindingTypes(features: Element): string[] {
    return (features.getChild('sasl-channel-binding')?.getChildren('channel-binding') ?? []).map((c) => c.attrs.type as string);
  }

  /** tls-exporter / tls-server-end-point values as the client computes them. */
  bindingData(type: string): Buffer {
    const s = this.tlsSocket;
    if (!s) throw new Error('not TLS');
    if (type === 'tls-exporter') return s.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
    const cert = (s.getPeerCertificate().raw as Buffer | undefined) ?? this.opts.peerCertificate;
    if (!cert) throw new Error('no server certificate known for tls-server-end-point');
    return createHash('sha256').update(cert).digest();
  }

  /** SCRAM exchange; resolves with 'success' or the failure condition (see scramExchange). */
  scram(
    features: Element, username: string, password: string, mech: ScramMechanism, cbType = 'tls-exporter', gs2Flag: 'n' | 'y' = 'n',
    /** Runs between the server's challenge and the client's final message. */
    afterChallenge?: () => Promise<void>,
  ): Promise<string> {
    return scramExchange(this, features, username, password, mech, cbType, gs2Flag, afterChallenge);
  }

  plain(username: string, password: string): Promise<string> {
    return plainExchange(this, username, password);
  }

  async bind(resource?: string): Promise<string> {
    const res = resource ? `<resource>${resource}</resource>` : '';
    this.write(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>${res}</bind></iq>`);
    const iq = await this.expect((e) => e.name === 'iq' && e.attrs.id === 'bind1');
    if (iq.attrs.type !== 'result') throw new Error(`bind failed: ${iq.toString()}`);
    return iq.getChild('bind')!.getChildText('jid')!;
  }

  /** STARTTLS (unless direct TLS), SCRAM-SHA-256, restart. Returns the features offered then. */
  async authenticate(username: string, password: string, mech: ScramMechanism = 'SCRAM-SHA-256'): Promise<Element> {
    let features = await this.open();
    if (!this.tlsSocket) features = await this.starttls();
    const r = await this.scram(features, username, password, mech);
    if (r !== 'success') throw new Error(`login failed: ${r}`);
    return this.open();
  }

  /** STARTTLS (unless direct TLS), SCRAM-SHA-256, restart, bind. Returns the bound JID. */
  async login(username: string, password: string, resource?: string, mech: ScramMechanism = 'SCRAM-SHA-256'): Promise<string> {
    await this.authenticate(username, password, mech);
    return this.bind(resource);
  }

  /** Sends an IQ and waits for the answer with the same id. */
  async iq(el: Element, timeoutMs = 5000): Promise<Element> {
    const id = (el.attrs.id as string | undefined) ?? `iq${Math.random().toString(36).slice(2)}`;
    el.attrs.id = id;
    this.send(el);
    return this.expect((e) => e.name === 'iq' && e.attrs.id === id && (e.attrs.type === 'result' || e.attrs.type === 'error'), timeoutMs);
  }

  close(): Promise<void> {
    if (!this.isClosed) this.socket.end('</stream:stream>');
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The defined condition of a stanza error, e.g. 'service-unavailable'. */
export function errorCondition(stanza: Element): string | undefined {
  const err = stanza.getChild('error');
  if (!err) return undefined;
  const cond = err.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text');
  return cond?.name;
}
