// Who is listening (XEP-0163 §4, XEP-0060 §9.2 filtered notifications): for each available
// entity, the nodes its capabilities ask notifications for ('<node>+notify', learnt from the
// caps module's 'caps/changed'); and which entities of other domains sent available presence
// to which account (XEP-0060 §9.1.2-§9.1.3), since their sessions are not this server's.
import type { ModuleApi } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';

const NOTIFY = '+notify';

/** The node names a feature list asks notifications for. */
export function notifyNodes(features: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const f of features) if (f.endsWith(NOTIFY) && f.length > NOTIFY.length) out.add(f.slice(0, -NOTIFY.length));
  return out;
}

export class Audience {
  /** Full JID -> nodes it wants notifications for. */
  private readonly interest = new Map<string, ReadonlySet<string>>();
  /** Owner bare JID -> full JIDs of other domains that sent it available presence. */
  private readonly sharers = new Map<string, Set<string>>();
  /** The reverse: full JID of another domain -> owners it sent available presence to. */
  private readonly sharedWith = new Map<string, Set<string>>();

  constructor(private readonly api: ModuleApi<unknown>) {}

  /** Records an entity's features; resolves with the nodes it newly wants (none when gone). */
  capsChanged(jid: Jid, features: ReadonlySet<string> | undefined): string[] {
    const before = this.interest.get(jid.full) ?? new Set<string>();
    if (features === undefined) {
      this.interest.delete(jid.full);
      this.sharerGone(jid);
      return [];
    }
    const now = notifyNodes(features);
    this.interest.set(jid.full, now);
    return [...now].filter((n) => !before.has(n));
  }

  interested(full: string, node: string): boolean {
    return this.interest.get(full)?.has(node) ?? false;
  }

  /** The nodes an entity wants, if its capabilities are known. */
  interests(full: string): ReadonlySet<string> | undefined {
    return this.interest.get(full);
  }

  /** An entity of another domain sent available presence to `owner`; true the first time. */
  sharerAvailable(owner: Jid, jid: Jid): boolean {
    let set = this.sharers.get(owner.bare);
    if (!set) this.sharers.set(owner.bare, (set = new Set()));
    if (set.has(jid.full)) return false;
    set.add(jid.full);
    let owners = this.sharedWith.get(jid.full);
    if (!owners) this.sharedWith.set(jid.full, (owners = new Set()));
    owners.add(owner.bare);
    return true;
  }

  /** The entity went unavailable (to `owner`, or to everyone when no owner is given). */
  sharerGone(jid: Jid, owner?: Jid): void {
    const owners = owner ? [owner.bare] : [...(this.sharedWith.get(jid.full) ?? [])];
    for (const o of owners) {
      const set = this.sharers.get(o);
      set?.delete(jid.full);
      if (set?.size === 0) this.sharers.delete(o);
      const back = this.sharedWith.get(jid.full);
      back?.delete(o);
      if (back?.size === 0) this.sharedWith.delete(jid.full);
    }
  }

  /** The accounts an entity of another domain sent available presence to. */
  ownersOf(jid: Jid): Jid[] {
    return [...(this.sharedWith.get(jid.full) ?? [])].map((o) => Jid.parse(o));
  }

  /** Entities of other domains present to `owner`. */
  sharersOf(owner: Jid): Jid[] {
    return [...(this.sharers.get(owner.bare) ?? [])].map((j) => Jid.parse(j));
  }

  /**
   * The available resources of `contact` as `owner`'s service knows them: sessions on this
   * server, and entities of other domains that sent `owner` their presence.
   */
  resources(owner: Jid, contact: Jid): string[] {
    const local = this.api.sessionsOf(contact).filter((s) => s.available).map((s) => s.jid.full);
    const remote = [...(this.sharers.get(owner.bare) ?? [])].filter((full) => full.startsWith(`${contact.bare}/`));
    return [...new Set([...local, ...remote])];
  }
}
