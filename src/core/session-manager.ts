// The registry of bound client sessions on this server, by bare JID and resource.
import type { Jid } from '../xmpp/jid.js';
import type { ClientSession } from './session-types.js';

const NONE: readonly ClientSession[] = Object.freeze([]);

export class SessionManager {
  private readonly byBare = new Map<string, Map<string, ClientSession>>();
  /**
   * resources() as a frozen array per bare JID, made at the first call after a change: it is
   * asked for several times per routed message (delivery, carbons, archive, presence).
   */
  private readonly lists = new Map<string, readonly ClientSession[]>();
  private total = 0;
  private readonly emptied: ((bare: string) => void)[] = [];

  /** `fn` hears of every account whose last session was removed. */
  onAccountEmptied(fn: (bare: string) => void): void {
    this.emptied.push(fn);
  }

  /** Whether the account (bare JID string) has a bound session. */
  hasAccount(bare: string): boolean {
    return this.byBare.has(bare);
  }

  /** Registers a bound session. Returns the session it replaces (same full JID), if any. */
  add(session: ClientSession): ClientSession | undefined {
    let res = this.byBare.get(session.jid.bare);
    if (!res) {
      res = new Map();
      this.byBare.set(session.jid.bare, res);
    }
    const old = res.get(session.jid.resource);
    res.set(session.jid.resource, session);
    this.lists.delete(session.jid.bare);
    if (!old) this.total++;
    return old;
  }

  /** Removes a session, if it is still the one registered for its full JID. */
  remove(session: ClientSession): boolean {
    const res = this.byBare.get(session.jid.bare);
    if (!res || res.get(session.jid.resource) !== session) return false;
    res.delete(session.jid.resource);
    this.lists.delete(session.jid.bare);
    this.total--;
    if (res.size === 0) {
      this.byBare.delete(session.jid.bare);
      for (const fn of this.emptied) fn(session.jid.bare);
    }
    return true;
  }

  get(full: Jid): ClientSession | undefined {
    return this.byBare.get(full.bare)?.get(full.resource);
  }

  has(resourceOf: Jid, resource: string): boolean {
    return this.byBare.get(resourceOf.bare)?.has(resource) ?? false;
  }

  resources(bare: Jid): readonly ClientSession[] {
    let list = this.lists.get(bare.bare);
    if (list) return list;
    const res = this.byBare.get(bare.bare);
    if (!res) return NONE;
    list = Object.freeze([...res.values()]);
    this.lists.set(bare.bare, list);
    return list;
  }

  get count(): number {
    return this.total;
  }

  *all(): IterableIterator<ClientSession> {
    for (const res of this.byBare.values()) yield* res.values();
  }
}
