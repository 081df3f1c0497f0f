// The stream management state of one session (XEP-0198): the count of stanzas handled from
// the client ('h', §4), the queue of stanzas sent and not yet acknowledged, when to ask for an
// acknowledgement, and the hibernation timer of a resumable session (§5). It belongs to the
// session, not to a stream, so it carries over when the session is resumed on a new stream.
import type { Element } from '../../../xmpp/xml.js';
import { UnackedQueue } from './queue.js';

/** `<r/>` never varies: one constant string, written as is. */
export const ACK_REQUEST = "<r xmlns='urn:xmpp:sm:3'/>";

/** What the state writes to: the stream that currently carries the session, if any. */
export interface AckWriter {
  write(data: string): void;
}

export interface SmLimits {
  /** Most unacknowledged stanzas; past it `onOverflow` is called once. */
  readonly maxUnacked: number;
  /** An `<r/>` after this many stanzas sent since the last one. */
  readonly requestEvery: number;
}

export class SmState {
  /** Stanzas handled from the client, modulo 2^32 (the server's 'h'). */
  inbound = 0;
  readonly queue = new UnackedQueue();
  /** Stanzas sent since the last `<r/>`. */
  private unrequested = 0;
  private burstEndQueued = false;
  private overflowed = false;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param id the SM-ID when the session may be resumed (§5), otherwise undefined
   * @param window seconds the session is kept after its connection drops
   * @param writer the current stream of the session, or undefined while it hibernates
   */
  constructor(
    readonly id: string | undefined,
    readonly window: number,
    private readonly limits: SmLimits,
    private readonly writer: () => AckWriter | undefined,
    private readonly onOverflow: () => void,
  ) {}

  get resumable(): boolean {
    return this.id !== undefined;
  }

  get hibernating(): boolean {
    return this.timer !== undefined;
  }

  /** A stanza from the client is being handled (§4: 'h' counts handled stanzas and wraps). */
  countInbound(): void {
    this.inbound = this.inbound === 0xffffffff ? 0 : this.inbound + 1;
  }

  /**
   * Records a stanza sent to the client (already written to `out` when connected) and asks for
   * an acknowledgement every `requestEvery` stanzas and at the end of each burst, so the queue
   * drains while the client is reachable.
   */
  sent(stanza: Element, out: AckWriter | undefined): void {
    this.queue.push(stanza, Date.now());
    if (this.queue.length > this.limits.maxUnacked && !this.overflowed) {
      this.overflowed = true;
      // Not from inside the send: the caller may be iterating sessions or delivering.
      queueMicrotask(this.onOverflow);
    }
    if (!out) return;
    if (++this.unrequested >= this.limits.requestEvery) {
      this.unrequested = 0;
      out.write(ACK_REQUEST);
    } else if (!this.burstEndQueued) {
      this.burstEndQueued = true;
      queueMicrotask(this.burstEnd);
    }
  }

  private readonly burstEnd = (): void => {
    this.burstEndQueued = false;
    const out = this.writer();
    if (this.unrequested === 0 || !out) return;
    this.unrequested = 0;
    out.write(ACK_REQUEST);
  };

  /** After a resumption: the resent stanzas are covered by one request. */
  requestNow(out: AckWriter): void {
    this.unrequested = 0;
    if (this.queue.length > 0) out.write(ACK_REQUEST);
  }

  /** Starts the hibernation window; `expire` runs when it ends without a resumption. */
  hibernate(expire: () => void): void {
    this.wake();
    this.unrequested = 0;
    this.timer = setTimeout(expire, this.window * 1000);
    this.timer.unref();
  }

  /** Stops the hibernation window (resumed, or ended for another reason). */
  wake(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
