// The queue of stanzas sent to a client and not yet acknowledged (XEP-0198 §4): sequence numbers
// are counted modulo 2^32 (§4: 'h' wraps from 2^32-1 to 0). Pure: no I/O, no timers.
import type { Element } from '../../../xmpp/xml.js';

const WRAP = 2 ** 32;
/** An 'h' up to this far behind the last acknowledged count is an old one, not a count too high. */
const STALE_WINDOW = 2 ** 31;

export type AckOutcome = 'ok' | 'stale' | 'too-high';

/** Parses an 'h' attribute (xs:unsignedInt); undefined when missing or out of range. */
export function parseH(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n < WRAP ? n : undefined;
}

export class UnackedQueue {
  // Entries live in two parallel arrays from `head` on: the stanza and when it was sent
  // (milliseconds, kept unboxed in a numbers-only array), so a send adds no object of its own.
  private stanzas: Element[] = [];
  private times: number[] = [];
  private head = 0;
  /** Stanzas acknowledged so far, modulo 2^32. */
  private acked = 0;

  get length(): number {
    return this.stanzas.length - this.head;
  }

  /** Stanzas sent since stream management was enabled, modulo 2^32. */
  get sent(): number {
    return (this.acked + this.length) % WRAP;
  }

  push(stanza: Element, at: number): void {
    this.stanzas.push(stanza);
    this.times.push(at);
  }

  /**
   * Applies an acknowledgement: drops the stanzas up to 'h'. An 'h' behind the last one is stale
   * and changes nothing; one beyond the stanzas sent is an error (XEP-0198 §6).
   */
  ack(h: number): AckOutcome {
    const n = (h - this.acked + WRAP) % WRAP;
    if (n > this.length) return n >= STALE_WINDOW ? 'stale' : 'too-high';
    this.drop(n);
    this.acked = h;
    return 'ok';
  }

  private drop(n: number): void {
    if (n === 0) return;
    this.head += n;
    if (this.head === this.stanzas.length) {
      this.stanzas = [];
      this.times = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.stanzas.length) {
      // Compact once the dropped part dominates, so the arrays do not grow without bound.
      this.stanzas = this.stanzas.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Calls `fn` for each unacknowledged stanza, oldest first. */
  forEach(fn: (stanza: Element, sentAt: number) => void): void {
    for (let i = this.head; i < this.stanzas.length; i++) fn(this.stanzas[i]!, this.times[i]!);
  }

  /** Removes and returns every unacknowledged stanza, oldest first (the session is ending). */
  drain(): Array<{ stanza: Element; sentAt: number }> {
    const out: Array<{ stanza: Element; sentAt: number }> = [];
    this.forEach((stanza, sentAt) => out.push({ stanza, sentAt }));
    this.acked = this.sent;
    this.stanzas = [];
    this.times = [];
    this.head = 0;
    return out;
  }
}
