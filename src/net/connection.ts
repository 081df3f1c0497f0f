// A client connection over TCP or TLS: coalesced writes, in-place STARTTLS upgrade and the
// channel-binding values the SASL layer needs. Implements the core's Transport interface.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ChannelBindingType, Transport } from '../core/transport.js';
import type { TlsContexts } from './tls.js';
import { tlsExporter, tlsServerEndPoint } from './tls.js';
import { clientHello, wrapTls } from './tls-accept.js';

/** How long a half-closed connection may linger before it is destroyed. */
const CLOSE_GRACE_MS = 2000;
/**
 * Past this much waiting to be sent, the client's own stream is not read until it has been
 * sent: a client that asks for more than it reads (archive pages, vCards) cannot make the
 * server buffer without end. Pushes from others can still add to it, up to maxUnsentBytes.
 */
const PAUSE_UNSENT_BYTES = 1 << 20;

// Event-loop turns, counted by one setImmediate per turn that had writes. A connection's first
// flush in a turn happens as soon as the work at hand is done (a microtask), so a reply does not
// wait until every other socket read in that turn was handled (chat p99 latency, top chat
// throughput); later writes in the same turn wait for its end and go out together (fan-out of
// presence to the same receivers). docs/performance-log.md, "Writes: first flush of a turn at once".
//
// TLS: Node keeps a TLS socket's encrypted output until the turn after it was handed to the TCP
// socket, and a write that arrives before then is appended to it; past the first 1 KiB buffer
// that allocates a second, 16 KiB one, which the socket keeps for life. The turn in which a
// handshake completes already wrote (the server's TLS 1.3 session tickets), so it counts as
// flushed: the first reply (the stream header) goes out at the turn's end.
let turn = 0;
let turnEnding = false;
const nextTurn = (): void => {
  turn++;
  turnEnding = false;
};
function currentTurn(): number {
  if (!turnEnding) {
    turnEnding = true;
    setImmediate(nextTurn);
  }
  return turn;
}

export class Connection implements Transport {
  onData: (chunk: Buffer) => void = () => undefined;
  onClose: (reason: string) => void = () => undefined;
  lastRead = Date.now();
  lastWrite = Date.now();
  readonly remoteAddress: string;
  private socket: Socket;
  private queue: string[] = [];
  private flushScheduled = false;
  private flushedTurn = -1;
  private closed = false;
  private upgrading = false;
  /** Reading is paused by the stream (rate limit, backpressure); kept across STARTTLS. */
  private readPaused = false;
  /** Reading is paused until what waits to be sent has gone out ('drain'). */
  private sendBacklog = false;
  maxUnsentBytes = 128 << 20;

  constructor(socket: Socket, private readonly tls: TlsContexts | undefined, readonly directTls: boolean) {
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    socket.setNoDelay(true);
    if (directTls) this.flushedTurn = currentTurn(); // accepted in the handshake's turn
    this.attach(socket);
  }

  get secure(): boolean {
    return this.socket instanceof TLSSocket;
  }

  get canStartTls(): boolean {
    return !this.secure && this.tls !== undefined;
  }

  private attach(socket: Socket): void {
    socket.on('data', this.handleData);
    socket.on('error', this.handleError);
    socket.on('close', this.handleClose);
  }

  private detach(socket: Socket): void {
    socket.off('data', this.handleData);
    socket.off('error', this.handleError);
    socket.off('close', this.handleClose);
  }

  private readonly handleData = (chunk: Buffer): void => {
    this.lastRead = Date.now();
    this.onData(chunk);
  };

  private readonly handleError = (err: Error): void => {
    this.finish(`socket error: ${err.message}`);
  };

  private readonly handleClose = (): void => {
    this.finish('closed by peer');
  };

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.socket.destroy();
    this.onClose(reason);
  }

  write(data: string): void {
    if (this.closed) return;
    this.queue.push(data);
    if (!this.flushScheduled && !this.upgrading) {
      this.flushScheduled = true;
      const now = currentTurn();
      if (this.flushedTurn !== now) {
        this.flushedTurn = now;
        queueMicrotask(this.flushNow);
      } else {
        setImmediate(this.flushNow);
      }
    }
  }

  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  flush(): void {
    if (this.closed || this.queue.length === 0 || this.upgrading) return;
    const data = this.queue.length === 1 ? this.queue[0]! : this.queue.join('');
    this.queue.length = 0;
    this.lastWrite = Date.now();
    if (this.socket.write(data)) return;
    // The socket buffers: the client reads slower than it is sent to, or not at all.
    const unsent = this.socket.writableLength;
    if (unsent > this.maxUnsentBytes) return this.finish(`the client does not read: ${unsent} bytes wait to be sent`);
    if (unsent > PAUSE_UNSENT_BYTES && !this.sendBacklog) {
      this.sendBacklog = true;
      this.socket.pause();
      this.socket.once('drain', this.handleDrain);
    }
  }

  private readonly handleDrain = (): void => {
    this.sendBacklog = false;
    if (!this.readPaused && !this.upgrading && !this.closed) this.socket.resume();
  };

  async startTls(): Promise<void> {
    if (!this.tls || this.secure) throw new Error('TLS cannot be started on this connection');
    this.flush();
    const plain = this.socket;
    plain.off('data', this.handleData);
    this.upgrading = true;
    // Wrapped once the ClientHello is here, which then sizes the TLS input buffer (tls-accept.ts).
    if (!(await clientHello(plain)) || this.closed) {
      this.finish('closed by peer');
      throw new Error('the connection closed before the TLS handshake');
    }
    this.detach(plain);
    const secure = wrapTls(plain, this.tls, 'starttls');
    this.socket = secure;
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      const onSecure = (): void => {
        secure.off('error', onError);
        resolve();
      };
      const onError = (err: Error): void => {
        secure.off('secure', onSecure);
        reject(err);
      };
      secure.once('secure', onSecure);
      secure.once('error', onError);
    });
    this.upgrading = false;
    // A backlog on the plain socket is gone with it (the handshake could not have finished).
    plain.off('drain', this.handleDrain);
    this.sendBacklog = false;
    this.flushedTurn = currentTurn();
    // A pause asked for during the handshake (which must be read) applies to the TLS socket.
    if (this.readPaused) secure.pause();
    this.flush();
  }

  /** Worked out once per TLS connection: SASL asks at every feature offer and at authentication. */
  private bindings: Partial<Record<ChannelBindingType, () => Buffer>> | undefined;

  /**
   * The binding types this connection has, each with a function for its data. The data is only
   * worked out when a -PLUS mechanism asks for it: every TLS stream is offered the types, few
   * use them, and reading the certificate back from OpenSSL costs tens of microseconds.
   */
  channelBindings(): Partial<Record<ChannelBindingType, () => Buffer>> {
    const s = this.socket;
    if (!(s instanceof TLSSocket)) return {};
    if (this.bindings) return this.bindings;
    const out: Partial<Record<ChannelBindingType, () => Buffer>> = (this.bindings = {});
    const protocol = s.getProtocol();
    if (protocol === 'TLSv1.3') {
      out['tls-exporter'] = once(() => tlsExporter(s));
    } else if (protocol === 'TLSv1.2') {
      // Defined only with the extended master secret, which has to be looked up to offer it.
      const exporter = tlsExporter(s);
      if (exporter) out['tls-exporter'] = () => exporter;
    }
    if (this.tls?.endPointAvailable(s.servername)) out['tls-server-end-point'] = once(() => tlsServerEndPoint(s));
    return out;
  }

  end(): void {
    if (this.closed) return;
    this.flush();
    this.socket.end();
    const t = setTimeout(() => this.finish('close grace period over'), CLOSE_GRACE_MS);
    t.unref();
  }

  destroy(): void {
    this.finish('destroyed');
  }

  /** Stops reading (rate limiting, backpressure). */
  pause(): void {
    this.readPaused = true;
    if (!this.upgrading) this.socket.pause();
  }

  resume(): void {
    this.readPaused = false;
    if (!this.upgrading && !this.sendBacklog) this.socket.resume();
  }
}

/**
 * `compute` run on the first call only. Undefined (the binding turned out to be unavailable after
 * all) becomes empty data, which matches no client's binding, so authentication fails closed.
 */
function once(compute: () => Buffer | undefined): () => Buffer {
  let value: Buffer | undefined;
  return () => (value ??= compute() ?? Buffer.alloc(0));
}
