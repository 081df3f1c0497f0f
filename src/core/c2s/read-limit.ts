// Read pacing for one client stream (RFC 6120 §13.12 resource exhaustion): a token bucket of
// bytes that refills at a steady rate up to a burst. A stream that has spent its bucket is not
// cut off and loses nothing: the server stops reading its transport until the bucket is back
// above zero, so TCP flow control slows the sender down. The stream's own backpressure (too
// many stanzas queued) pauses the same transport, so both reasons are kept here and reading
// resumes only when neither holds.
import type { Transport } from '../transport.js';

export interface ReadRate {
  /** Bytes per second; 0 means no limit. */
  bytesPerSecond: number;
  /** Bucket size: bytes that may arrive at once before the rate applies. */
  burstBytes: number;
}

export class ReadPacer {
  private tokens: number;
  private last: number;
  private timer: NodeJS.Timeout | undefined;
  /** The stream asked to stop reading (its stanza queue is full). */
  private held = false;
  /** Whether the transport is paused by us right now. */
  private paused = false;
  private stopped = false;

  constructor(
    private readonly transport: Pick<Transport, 'pause' | 'resume'>,
    private rate: ReadRate,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate.burstBytes;
    this.last = now();
  }

  /** Counts bytes just read; pauses reading when the bucket is in debt. */
  consume(bytes: number): void {
    if (this.stopped || this.rate.bytesPerSecond === 0) return;
    this.refill();
    this.tokens -= bytes;
    if (this.tokens < 0) {
      this.schedule();
      // Data may still arrive while paused (chunks in flight, a socket swapped by STARTTLS):
      // pausing again is harmless and keeps the transport stopped.
      this.paused = true;
      this.transport.pause();
    }
  }

  /** A new rate from now on (after authentication); the bucket starts full at the new size. */
  setRate(rate: ReadRate): void {
    this.rate = rate;
    this.tokens = rate.burstBytes;
    this.last = this.now();
    this.clearTimer();
    this.update();
  }

  /** Stops reading until release(), whatever the bucket holds. */
  hold(): void {
    this.held = true;
    this.update();
  }

  release(): void {
    this.held = false;
    this.update();
  }

  /** Whether reading is stopped by the rate (not by hold()). */
  get limited(): boolean {
    return this.timer !== undefined;
  }

  /** The stream is gone: no more timers, no more pause or resume. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private refill(): void {
    const t = this.now();
    const elapsed = t - this.last;
    if (elapsed <= 0) return;
    this.last = t;
    this.tokens = Math.min(this.rate.burstBytes, this.tokens + (elapsed * this.rate.bytesPerSecond) / 1000);
  }

  /** Arms a timer for the moment the debt is paid off. */
  private schedule(): void {
    if (this.timer) return;
    const ms = Math.max(1, Math.ceil((-this.tokens * 1000) / this.rate.bytesPerSecond));
    this.timer = setTimeout(this.wake, ms);
    this.timer.unref();
  }

  private readonly wake = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    this.refill();
    if (this.tokens < 0) this.schedule();
    this.update();
  };

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private update(): void {
    if (this.stopped) return;
    const want = this.held || this.timer !== undefined;
    if (want === this.paused) return;
    this.paused = want;
    if (want) this.transport.pause();
    else this.transport.resume();
  }
}
