// Resumable sessions by SM-ID (XEP-0198 §5), on this server. An SM-ID is 144 random bits, so it
// cannot be guessed, and it only resumes a session of the account that asks: for any other
// account it does not exist. Sessions that ended leave a small record for a while, so a client
// that comes back too late still learns how many of its stanzas were handled ('h' on <failed/>).
import { randomBytes } from 'node:crypto';
import type { C2sSession } from '../client-session.js';

/** How long an ended session's 'h' is kept, and how many are kept at most. */
const ENDED_KEEP_MS = 24 * 60 * 60 * 1000;
const ENDED_MAX = 10_000;

interface Ended {
  readonly account: string;
  readonly h: number;
  readonly until: number;
}

export type Lookup =
  | { readonly session: C2sSession }
  | { readonly session?: undefined; readonly h: number | undefined };

export class SmRegistry {
  private readonly live = new Map<string, C2sSession>();
  private readonly ended = new Map<string, Ended>();

  /** A fresh SM-ID, unique while the server runs (§5). */
  newId(): string {
    for (;;) {
      const id = randomBytes(18).toString('base64url');
      if (!this.live.has(id) && !this.ended.has(id)) return id;
    }
  }

  add(id: string, session: C2sSession): void {
    this.live.set(id, session);
  }

  /** The session `id` names for `account` (a bare JID), or the 'h' it had when it ended. */
  find(id: string, account: string): Lookup {
    const session = this.live.get(id);
    if (session) return session.jid.bare === account ? { session } : { h: undefined };
    const gone = this.ended.get(id);
    return { h: gone && gone.account === account && gone.until > Date.now() ? gone.h : undefined };
  }

  /** The session ended: it can no longer be resumed; its 'h' is kept for a while. */
  forget(id: string, account: string, h: number): void {
    if (!this.live.delete(id)) return;
    if (this.ended.size >= ENDED_MAX) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    this.ended.set(id, { account, h, until: Date.now() + ENDED_KEEP_MS });
  }

  /** Drops ended records past their time (called by the server's sweeper). */
  sweep(now: number): void {
    // Insertion order is expiry order: stop at the first one still valid.
    for (const [id, e] of this.ended) {
      if (e.until > now) break;
      this.ended.delete(id);
    }
  }

  /** Sessions waiting for a resumption, without a stream. */
  hibernating(): C2sSession[] {
    return [...this.live.values()].filter((s) => s.hibernating);
  }

  get size(): number {
    return this.live.size;
  }
}
