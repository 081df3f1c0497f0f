// RFC 6121 §2.1.6 and §2.2: roster pushes go to the user's "interested resources", the sessions
// that requested the roster; XEP-0237 §2.4 (RFC 6121 §2.6.3): every push carries the roster
// version, and after a versioned roster get the changes since the client's version go out as
// "interim" pushes.
import { xml, type Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import type { RosterChanges } from '../../storage/types.js';
import type { Session } from './context.js';
import { itemElement, queryElement, removedElement } from './items.js';
import { formatVer, type EpochCache } from './version.js';

export class RosterPushes {
  /** Sessions that requested the roster. Weak: nothing outlives its session. */
  private readonly interested = new WeakSet<Session>();
  private counter = 0;

  constructor(
    private readonly sessionsOf: (bare: Jid) => readonly Session[],
    private readonly epochs: EpochCache,
    /** Told of every change, pushed or not (the roster/changed event). */
    private readonly changed: (user: Jid) => void = () => undefined,
  ) {}

  markInterested(session: Session): void {
    this.interested.add(session);
  }

  isInterested(session: Session): boolean {
    return this.interested.has(session);
  }

  /**
   * A push without 'from' is from the user's own account (§2.1.6), so none is set; it goes
   * straight to each session, as the account's server speaking to its own client.
   */
  private pushIq(to: Session, ver: string, item: Element): Element {
    return xml('iq', { type: 'set', id: `push${(++this.counter).toString(36)}`, to: to.jid.full }, queryElement(ver, [item]));
  }

  /**
   * Pushes changed items (at roster version `version`) to every interested resource of `user`,
   * and to `also` (the resource that made the change: §2.3.2 "including the resource that
   * generated the roster set"). One push per item (§2.1.6: a push carries one item).
   */
  async push(user: Jid, version: number, items: readonly Element[], also?: Session): Promise<void> {
    if (items.length === 0) return;
    this.changed(user);
    const targets = this.sessionsOf(user).filter((s) => s === also || this.interested.has(s));
    if (targets.length === 0) return;
    const ver = formatVer(await this.epochs.get(user.local), version);
    for (const s of targets) for (const item of items) s.send(this.pushIq(s, ver, item));
  }

  /**
   * The interim pushes after an empty versioned result (XEP-0237 §2.4: "in order of
   * modification", each version unique): one per item changed or removed since, in the order of
   * the version at which it last changed, each carrying that version. A client cut off halfway
   * asks again from the last version it got and loses nothing.
   */
  interim(session: Session, epoch: string, changes: RosterChanges): void {
    const pushes = [
      ...changes.removed.map((jid) => ({ version: changes.versions[jid] ?? changes.version, item: removedElement(jid) })),
      ...changes.changed.map((i) => ({ version: changes.versions[i.jid] ?? changes.version, item: itemElement(i) })),
    ].sort((a, b) => a.version - b.version);
    for (const p of pushes) session.send(this.pushIq(session, formatVer(epoch, p.version), p.item));
  }
}
