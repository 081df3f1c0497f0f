// A bound client session (RFC 6120 §7): the state the rest of the server sees, apart from the
// stream that currently carries it. With stream management (XEP-0198) a session outlives its
// stream: it hibernates when the connection drops and moves to a new stream when resumed.
import { randomId } from '../../util/random-id.js';
import type { Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import { StreamError } from '../../xmpp/errors.js';
import type { ClientSession, OutboundFilter, OutboundGate } from '../session-types.js';
import { OutboundChain } from './outbound-chain.js';
import type { Host } from '../host.js';
import type { C2sContext } from './context.js';
import type { SmState } from './sm/state.js';
import { handOnUnacked } from './sm/undelivered.js';
import type { Credentials } from '../../storage/types.js';
import { credentialStamp } from '../account-notes.js';

/** The stream under a session, as the session sees it. */
export interface SessionCarrier {
  sendStanza(stanza: Element): void;
  write(data: string): void;
  close(error?: StreamError): void;
  /** Lets go of the session without ending it: the session moves to another stream. */
  release(): void;
}

export class C2sSession implements ClientSession {
  readonly id = randomId(6);
  available = false;
  priority = 0;
  presence: Element | undefined = undefined;
  /** Stream management, once the client enabled it (XEP-0198 §3). */
  sm: SmState | undefined = undefined;
  ended = false;
  private carrier_: SessionCarrier | undefined;

  /** Filters (client state indication) that stanzas pass before the stream and SM see them. */
  private readonly outbound: OutboundChain;

  constructor(
    readonly jid: Jid,
    public remoteAddress: string,
    public secure: boolean,
    public credentialStamp: number,
    carrier: SessionCarrier,
    readonly host: Host,
    private readonly ctx: C2sContext,
  ) {
    this.carrier_ = carrier;
    this.outbound = new OutboundChain((stanza) => this.write(stanza));
  }

  get hibernating(): boolean {
    return this.sm?.hibernating === true;
  }

  /** The stream carrying the session; undefined while it hibernates or once it ended. */
  get carrier(): SessionCarrier | undefined {
    return this.carrier_;
  }

  send(stanza: Element): void {
    this.outbound.send(stanza);
  }

  addOutboundFilter(filter: OutboundFilter, priority?: number): OutboundGate {
    return this.outbound.add(filter, priority);
  }

  flushOutbound(): void {
    this.outbound.flush();
  }

  /** Past the filters: to the stream, counted and queued by stream management when enabled. */
  private write(stanza: Element): void {
    const sm = this.sm;
    if (!sm) return this.carrier_?.sendStanza(stanza);
    // Stream management promises nothing is lost: what still comes after the end is handed on.
    if (this.ended) return handOnUnacked(this.host, this.ctx.router, this, [{ stanza, sentAt: Date.now() }], this.ctx.sessions.resources(this.jid));
    const out = this.carrier_;
    out?.sendStanza(stanza);
    sm.sent(stanza, out);
  }

  credentialsChanged(credentials: Credentials): void {
    this.credentialStamp = credentialStamp(credentials);
  }

  close(error?: StreamError): void {
    if (this.carrier_) this.carrier_.close(error);
    else this.end(error?.condition ?? 'closed');
  }

  /**
   * Moves the session onto `carrier` (XEP-0198 §5). A stream still carrying it is let go of and
   * closed with a conflict stream error. The session takes the stamp of the credentials that
   * stream logged in with.
   */
  attach(carrier: SessionCarrier, remoteAddress: string, secure: boolean, stamp: number): void {
    const old = this.carrier_;
    this.carrier_ = carrier;
    this.remoteAddress = remoteAddress;
    this.secure = secure;
    this.credentialStamp = stamp;
    this.sm?.wake();
    if (old) {
      old.release();
      old.close(new StreamError('conflict', 'the session was resumed on another connection'));
    }
  }

  /** The connection dropped without a clean close: wait for a resumption (XEP-0198 §5, §7). */
  hibernate(reason: string): void {
    const sm = this.sm;
    if (!sm?.resumable || this.ended) return this.end(reason);
    // What filters hold goes into the unacknowledged queue, to be resent on resumption.
    this.carrier_ = undefined;
    this.flushOutbound();
    sm.hibernate(() => this.end('resumption window over'));
    this.ctx.log.info('session hibernated', { session: this.id, jid: this.jid.full, reason, window: sm.window, unacked: sm.queue.length });
    this.host.events.emit('session/hibernated', { session: this });
  }

  /**
   * Ends the session: unregistered, its unacknowledged stanzas handed on (XEP-0198 §4), then
   * unavailable presence on its behalf and `session/closed`.
   */
  end(reason: string): void {
    if (this.ended) return;
    // What filters still hold joins the unacknowledged queue (handed on below); without stream
    // management it goes with the connection.
    this.carrier_ = undefined;
    this.flushOutbound();
    this.ended = true;
    const sm = this.sm;
    const wasAvailable = this.available;
    this.available = false;
    const registered = this.ctx.sessions.remove(this);
    if (sm) {
      sm.wake();
      if (sm.id !== undefined) this.ctx.smSessions.forget(sm.id, this.jid.bare, sm.inbound);
      // Before the events below, so their handlers find these where they went.
      if (sm.queue.length > 0) handOnUnacked(this.host, this.ctx.router, this, sm.queue.drain(), this.ctx.sessions.resources(this.jid));
    }
    if (!registered) return;
    if (wasAvailable) this.host.events.emit('presence/unavailable', { session: this });
    this.host.events.emit('session/closed', { session: this, error: reason });
    this.ctx.log.info('session ended', { session: this.id, jid: this.jid.full, reason });
  }
}
