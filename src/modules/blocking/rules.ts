// XEP-0191 (Blocking Command): the pure rules. What a blocklist matches (§6), which addresses
// are never blocked (§5), how block/unblock requests are read (§3.3-§3.5) and who gets presence
// when a block starts or ends (§3.3, §3.4). No I/O here.
import { Jid } from '../../xmpp/jid.js';
import { StanzaError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import type { Element } from '../../xmpp/xml.js';
import { hasFrom } from '../../xmpp/subscription.js';
import { blocks } from '../../xmpp/blocklist.js';

/** One account's blocked JIDs, in prepared form, matched as XEP-0191 §6 says. */
export class BlockSet {
  private readonly items: Set<string>;

  constructor(jids: Iterable<string> = []) {
    this.items = new Set(jids);
  }

  get size(): number {
    return this.items.size;
  }

  has(jid: string): boolean {
    return this.items.has(jid);
  }

  add(jid: string): void {
    this.items.add(jid);
  }

  delete(jid: string): void {
    this.items.delete(jid);
  }

  clear(): void {
    this.items.clear();
  }

  /** The items, sorted. */
  list(): string[] {
    return [...this.items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * §6 (the order of XEP-0016 §2.1): user@domain/resource matches only that resource;
   * user@domain matches any of its resources; domain/resource matches only that JID; domain
   * matches the domain itself and every user@domain and domain/resource. A JID is therefore
   * blocked when its full form, its bare form or its domain is an item.
   */
  matches(jid: Jid): boolean {
    return blocks(this.items, jid);
  }
}

/**
 * Addresses a user's blocklist never applies to: the user's own JIDs (§5: "MUST NOT block
 * communications from one of a user's resources to another") and the user's own server, which
 * answers the user's requests and is not a party the user communicates with.
 */
export function isExempt(other: Jid, user: Jid): boolean {
  if (other.domain !== user.domain) return false;
  if (other.local === '') return other.resource === '';
  return other.local === user.local;
}

/**
 * The JIDs of a <block/> or <unblock/> element (§3.3, §3.4), prepared and without duplicates.
 * A <block/> needs at least one item (bad-request, §3.3); an <unblock/> without items means
 * "unblock all" (§3.5). An item without a jid is a bad-request; an invalid one jid-malformed.
 */
export function parseItems(el: Element, requireOne: boolean): Jid[] {
  const out = new Map<string, Jid>();
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (child.name !== 'item' || (child.getNS() ?? NS.BLOCKING) !== NS.BLOCKING) {
      throw new StanzaError('bad-request', `unexpected <${child.name}/> in <${el.name}/>`);
    }
    const attr = child.attrs.jid as string | undefined;
    if (attr === undefined) throw new StanzaError('bad-request', 'an item needs a jid attribute');
    const jid = Jid.tryParse(attr);
    if (!jid) throw new StanzaError('jid-malformed', 'an item jid is not a valid JID');
    out.set(jid.full, jid);
  }
  if (requireOne && out.size === 0) throw new StanzaError('bad-request', 'a block command needs at least one item');
  return [...out.values()];
}

/** What the presence rules need of a roster item. */
export interface ContactView {
  /** The contact's bare JID. */
  jid: string;
  subscription: 'none' | 'to' | 'from' | 'both';
}

/**
 * Where presence goes when items are blocked or unblocked (§3.3: unavailable presence; §3.4:
 * current presence), "only if the JID is allowed to receive presence notifications from the
 * user" (RFC 6121 §4.2.2: a contact with subscription from or both). A full-JID item is
 * addressed itself; a bare or domain item reaches every such contact it matches. `skip` tells
 * which targets need nothing: those already blocked before a block, or still blocked after an
 * unblock (another item matches them).
 */
export function presenceTargets(items: readonly Jid[], roster: readonly ContactView[], skip: (target: Jid) => boolean): Jid[] {
  const allowed = roster.filter((c) => hasFrom(c.subscription));
  const out = new Map<string, Jid>();
  for (const item of items) {
    const rule = new BlockSet([item.full]);
    for (const c of allowed) {
      const contact = Jid.tryParse(c.jid);
      if (!contact) continue;
      let target: Jid | undefined;
      if (item.resource !== '') target = item.bare === contact.bare ? item : undefined;
      else target = rule.matches(contact) ? contact : undefined;
      if (target && !skip(target)) out.set(target.full, target);
    }
  }
  return [...out.values()];
}
