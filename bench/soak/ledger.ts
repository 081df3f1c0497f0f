// Message accounting for the soak test. Every message carries its sequence number (as its id);
// the ledger knows its recipient, when it was sent and whether the recipient was online then.
// Each must arrive exactly once, at its recipient: online ones at once (latency measured),
// offline ones stored and delivered with a delay stamp at the recipient's next login.

export type Kind = 'online' | 'offline';

export interface LedgerSummary {
  sent: number;
  sentOnline: number;
  sentOffline: number;
  delivered: number;
  deliveredOffline: number;
  lost: number;
  lostOnline: number;
  lostOffline: number;
  duplicated: number;
  /** Arrived at an account other than its recipient. */
  misdelivered: number;
  /** Ids that were never sent. */
  unknown: number;
  /** Came back as a message error. */
  bounced: number;
  /** Sent online, arrived with a delay stamp (stored after all); not a loss. */
  delayedOnline: number;
  /** Sent offline, arrived without a delay stamp (delivered live after all); not a loss. */
  liveOffline: number;
  latencyMs: { p50: number; p99: number; max: number };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 100) / 100;
}

export class Ledger {
  private readonly to: number[] = [];
  private readonly sentAt: number[] = [];
  private readonly offline: boolean[] = [];
  private readonly seen: number[] = [];
  private readonly latencies: number[] = [];
  /** Online messages not yet received, per recipient and in all. */
  private readonly pendingTo: Int32Array;
  private pendingOnline = 0;
  private pendingOffline = 0;
  private sentOffline = 0;
  private deliveredOffline = 0;
  private duplicated = 0;
  private misdelivered = 0;
  private unknown = 0;
  private bounced = 0;
  private delayedOnline = 0;
  private liveOffline = 0;

  constructor(accounts: number) {
    this.pendingTo = new Int32Array(accounts);
  }

  /** Records a message about to be sent; returns its sequence number. */
  send(recipient: number, kind: Kind, now: number): number {
    const seq = this.to.length;
    this.to.push(recipient);
    this.sentAt.push(now);
    this.offline.push(kind === 'offline');
    this.seen.push(0);
    if (kind === 'offline') {
      this.sentOffline++;
      this.pendingOffline++;
    } else {
      this.pendingTo[recipient]!++;
      this.pendingOnline++;
    }
    return seq;
  }

  /** A message with id `s<seq>` arrived at account `at` at time `now`. */
  receive(id: string | undefined, at: number, now: number, delayed: boolean): void {
    const seq = parseSeq(id);
    if (seq === undefined || seq >= this.to.length) {
      this.unknown++;
      return;
    }
    if (++this.seen[seq]! > 1) {
      this.duplicated++;
      return;
    }
    const recipient = this.to[seq]!;
    if (recipient !== at) this.misdelivered++;
    if (this.offline[seq]) {
      this.pendingOffline--;
      this.deliveredOffline++;
      if (!delayed) this.liveOffline++;
    } else {
      this.pendingTo[recipient]!--;
      this.pendingOnline--;
      if (delayed) this.delayedOnline++;
      else this.latencies.push(now - this.sentAt[seq]!);
    }
  }

  /** A message error came back for `id`. The message stays undelivered (it counts as lost). */
  bounce(id: string | undefined): void {
    if (parseSeq(id) !== undefined) this.bounced++;
    else this.unknown++;
  }

  /** Online messages to `account` not yet received. */
  pendingFor(account: number): number {
    return this.pendingTo[account]!;
  }

  get sent(): number {
    return this.to.length;
  }

  get outstanding(): { online: number; offline: number } {
    return { online: this.pendingOnline, offline: this.pendingOffline };
  }

  summary(): LedgerSummary {
    const sorted = Float64Array.from(this.latencies).sort();
    const sent = this.to.length;
    const lostOnline = this.pendingOnline;
    const lostOffline = this.pendingOffline;
    return {
      sent,
      sentOnline: sent - this.sentOffline,
      sentOffline: this.sentOffline,
      delivered: sent - lostOnline - lostOffline,
      deliveredOffline: this.deliveredOffline,
      lost: lostOnline + lostOffline,
      lostOnline,
      lostOffline,
      duplicated: this.duplicated,
      misdelivered: this.misdelivered,
      unknown: this.unknown,
      bounced: this.bounced,
      delayedOnline: this.delayedOnline,
      liveOffline: this.liveOffline,
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
    };
  }
}

function parseSeq(id: string | undefined): number | undefined {
  if (!id || id[0] !== 's') return undefined;
  const n = Number(id.slice(1));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
