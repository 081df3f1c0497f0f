// One client-to-server XML stream (RFC 6120 §4): header checks, feature negotiation
// (STARTTLS, SASL, bind), then stanzas handed to the router in order. Negotiation steps live
// in sasl-negotiation.ts and bind.ts, the header checks in stream-header.ts, the features in
// features.ts, IQs before authentication in preauth-iq.ts and timeouts in housekeeping.ts; this
// file owns the stream's life cycle.
import { randomId } from '../../util/random-id.js';
import type { Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { serialize } from '../../xmpp/serialize.js';
import { StreamError } from '../../xmpp/errors.js';
import { StreamParser, type StreamHeader } from '../../xmpp/stream-parser.js';
import { ParserEvents } from './parser-events.js';
import type { Host } from '../host.js';
import type { Transport } from '../transport.js';
import type { C2sContext } from './context.js';
import type { C2sSession } from './client-session.js';
import { SaslNegotiation } from './sasl-negotiation.js';
import { Sasl2Negotiation } from './sasl2/negotiation.js';
import { handleBound, handleBindStage, isClientStanza } from './bind.js';
import { streamFeaturesText } from './features.js';
import { checkVersion, headerHost, headerLang, headerText } from './stream-header.js';
import { handleSm } from './sm/negotiation.js';
import { handlePreauthIq } from './preauth-iq.js';
import { ReadPacer } from './read-limit.js';

/** Stanzas queued while an earlier one is still being handled; past this, reading pauses. */
const MAX_QUEUED = 64;

export class C2sStream {
  /** For logs; each stream header gets a fresh id of its own (RFC 6120 §4.7.3). */
  readonly id = randomId(9);
  /** The id of the current stream (a new one after each restart, RFC 6120 §4.3.3). */
  streamId = '';
  readonly startedAt = Date.now();
  host: Host | undefined;
  /** Prepared localpart once SASL succeeded. */
  username: string | undefined;
  /**
   * The stamp of the credentials SASL succeeded with (core/account-notes.ts). NaN, which matches
   * no credentials, until then, or had a mechanism looked nothing up.
   */
  credentialStamp = Number.NaN;
  /** The 'from' of the client's stream header (the account it says it is, unverified). */
  declaredFrom: string | undefined;
  /** The header's language when not ours, stamped on its stanzas without one (stream-header.ts). */
  lang: string | undefined;
  session: C2sSession | undefined;
  private readonly parser: StreamParser;
  private headerSent = false;
  private closed = false;
  private readonly queue: Element[] = [];
  private busy = false;
  /** The client closed its stream; the stream closes once what it sent before is handled. */
  private ending = false;
  /** Paces reading (limits.*read_rate*) and stops it while too many stanzas are queued. */
  private readonly reader: ReadPacer;
  /** Counted against limits.max_connections_per_address (a refused connection is not). */
  private readonly admitted: boolean;
  readonly sasl: SaslNegotiation;
  readonly sasl2: Sasl2Negotiation;

  constructor(readonly transport: Transport, readonly ctx: C2sContext, private readonly onEnd: (s: C2sStream) => void) {
    const limits = ctx.config.limits;
    this.parser = new StreamParser(new ParserEvents(this), { maxStanzaBytes: limits.max_stanza_bytes, maxDepth: limits.max_depth, maxHeaderBytes: limits.max_header_bytes });
    this.sasl = new SaslNegotiation(this);
    this.sasl2 = new Sasl2Negotiation(this);
    this.reader = new ReadPacer(transport, { bytesPerSecond: limits.unauthenticated_read_rate_bytes_per_second, burstBytes: limits.unauthenticated_read_burst_bytes });
    transport.maxUnsentBytes = limits.max_unsent_bytes;
    this.admitted = ctx.connections.add(transport.remoteAddress);
    transport.onData = (chunk) => {
      if (!this.admitted) return;
      this.reader.consume(chunk.length);
      this.parser.write(chunk);
    };
    // The connection went away under the stream: a resumable session hibernates (XEP-0198 §7).
    transport.onClose = (reason) => this.cleanup(reason, true);
    // Refused after the constructor returns, so that the owner has registered the stream first.
    if (!this.admitted) setImmediate(() => this.close(new StreamError('policy-violation', 'too many connections from this address')));
  }

  get log(): C2sContext['log'] {
    return this.ctx.log;
  }

  /** The stream is closed or its connection gone. */
  get ended(): boolean {
    return this.closed;
  }

  /** STARTTLS is required and not yet done (RFC 6120 §5.3.1). */
  get tlsPending(): boolean {
    return this.ctx.config.listeners.c2s.starttls_required && !this.transport.secure;
  }

  /** From the parser: the stream header arrived (RFC 6120 §4.7). */
  receiveHeader(h: StreamHeader): void {
    try {
      this.streamStart(h);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (err instanceof StreamError) return this.close(err);
    this.log.error('stream handling failed', { stream: this.id, err });
    this.close(new StreamError('internal-server-error'));
  }

  private streamStart(h: StreamHeader): void {
    this.host = headerHost(h, this.ctx.hosts, this.host);
    this.declaredFrom = h.attrs.from;
    this.lang = headerLang(h);
    // Checked once the host is known, so that the header of the error names it.
    checkVersion(h);
    this.sendHeader(h.attrs.from);
    this.sendFeatures();
  }

  private sendHeader(clientFrom?: string): void {
    this.streamId = randomId(12);
    this.transport.write(headerText(this.streamId, this.host, clientFrom));
    this.headerSent = true;
  }

  /** The features of the stream's current stage (RFC 6120 §4.3.2). */
  sendFeatures(): void {
    this.transport.write(streamFeaturesText(this));
  }

  /** After STARTTLS or SASL success the client opens a new stream on a fresh parser (RFC 6120 §4.3.3). */
  restart(): void {
    this.parser.reset();
  }

  /** From the parser: a stanza (or other first-level element), handled in order. */
  receiveStanza(el: Element): void {
    if (this.closed) return;
    this.queue.push(el);
    if (this.queue.length > MAX_QUEUED) this.reader.hold();
    if (!this.busy) this.pump();
  }

  /** From the parser: the client's closing tag (RFC 6120 §4.4). */
  receiveEnd(): void {
    this.ending = true;
    if (!this.busy) this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const el = this.queue.shift()!;
      let r: void | Promise<void>;
      try {
        r = this.handle(el);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (r instanceof Promise) {
        this.busy = true;
        r.then(() => {
          this.busy = false;
          this.pump();
        }, (err: unknown) => {
          this.busy = false;
          this.fail(err);
        });
        return;
      }
    }
    // Emptied this way, the queue keeps no storage while the stream is idle.
    this.queue.length = 0;
    if (this.ending) this.close();
    else if (!this.closed) this.reader.release();
  }

  private handle(el: Element): void | Promise<void> {
    const ns = el.attrs.xmlns as string | undefined;
    this.sasl2.guard(el);
    if (ns === NS.SASL2) return this.sasl2.handle(el);
    if (ns === NS.SM) return handleSm(this, el);
    const session = this.session;
    if (session) {
      // XEP-0198 §4: stanzas (not nonzas such as CSI's) are counted when their handling starts,
      // so a resumption that takes the session over mid-way reports them as handled.
      if (session.sm && isClientStanza(el)) session.sm.countInbound();
      return handleBound(this, session, el);
    }
    if (ns === NS.TLS && el.name === 'starttls') return this.startTls();
    if (ns === NS.SASL) return this.sasl.handle(el);
    if (this.username !== undefined) return handleBindStage(this, el);
    // Before authentication only IQs a module takes (in-band registration) are allowed; any
    // other stanza closes the stream (RFC 6120 §6.4, §8).
    if (ns === NS.CLIENT && el.name === 'iq' && !this.tlsPending) return handlePreauthIq(this, el);
    if (ns === NS.CLIENT && (el.name === 'iq' || el.name === 'message' || el.name === 'presence')) {
      throw new StreamError('not-authorized', 'authenticate first');
    }
    throw new StreamError('unsupported-stanza-type');
  }

  private async startTls(): Promise<void> {
    if (!this.transport.canStartTls || this.username !== undefined) {
      // RFC 6120 §5.4.2.2: failure, then close the stream and the connection.
      this.transport.write(`<failure xmlns='${NS.TLS}'/></stream:stream>`);
      this.closed = true;
      this.transport.end();
      return;
    }
    this.transport.write(`<proceed xmlns='${NS.TLS}'/>`);
    this.restart();
    try {
      await this.transport.startTls();
    } catch (err) {
      this.log.debug('STARTTLS handshake failed', { stream: this.id, err: (err as Error).message });
      this.transport.destroy();
    }
  }

  /**
   * Called when SASL succeeded: the next header starts the authenticated stream, or, after
   * SASL2 (XEP-0388 §"Success"), the stream goes on without a restart.
   */
  authenticated(username: string, restart = true): void {
    this.username = username;
    this.credentialStamp = this.sasl.credentialStamp ?? Number.NaN;
    this.sasl.finished();
    const l = this.ctx.config.limits;
    this.reader.setRate({ bytesPerSecond: l.read_rate_bytes_per_second, burstBytes: l.read_burst_bytes });
    if (restart) this.restart();
  }

  /**
   * A login here not yet bound to a session, from the moment its account is looked up: in a SASL
   * exchange or authenticated. Its stamp is that of the credentials it is checked, or was let in, against;
   * `reading` while the read of them is under way.
   */
  get pendingLogin(): { username: string; stamp: number | undefined; reading: boolean } | undefined {
    if (this.session || this.closed || !this.host) return undefined;
    if (this.username !== undefined) return { username: this.username, stamp: this.credentialStamp, reading: false };
    const looked = this.sasl.lookedUp;
    return looked === undefined ? undefined : { username: looked, stamp: this.sasl.credentialStamp, reading: this.sasl.reading };
  }

  sendStanza(el: Element): void {
    if (!this.closed) this.transport.write(serialize(el));
  }

  write(data: string): void {
    if (!this.closed) this.transport.write(data);
  }

  /** The session moves to another stream (XEP-0198 §5): this one no longer ends it. */
  release(): void {
    this.session = undefined;
  }

  /** Closes the stream, with a stream error when given (RFC 6120 §4.4, §4.9). */
  close(error?: StreamError): void {
    if (this.closed) return;
    // What outbound filters keep back goes out before the stream ends.
    this.session?.flushOutbound();
    this.closed = true;
    if (error) {
      if (!this.headerSent) this.sendHeader();
      this.transport.write(serialize(error.toElement()));
      this.log.debug('stream error', { stream: this.id, condition: error.condition });
    }
    this.transport.write('</stream:stream>');
    this.transport.end();
    // A stream closed for silence is a connection that probably dropped: a resumable session
    // waits for its client (XEP-0198 §7). Every other close ends the session.
    this.cleanup(error ? error.condition : 'closed', error?.condition === 'connection-timeout');
  }

  private cleaned = false;

  private cleanup(reason: string, hibernate: boolean): void {
    this.closed = true;
    if (this.cleaned) return;
    this.cleaned = true;
    this.queue.length = 0;
    this.reader.stop();
    if (this.admitted) this.ctx.connections.remove(this.transport.remoteAddress);
    const session = this.session;
    this.session = undefined;
    if (session) {
      if (hibernate) session.hibernate(reason);
      else session.end(reason);
    }
    this.onEnd(this);
  }
}
