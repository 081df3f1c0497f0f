// Sending event notifications (XEP-0163 §4.3, XEP-0060 §7.1.2, §9.1-§9.2): to the owner's
// available resources and to every entity allowed to see the node (contacts with a presence
// subscription, explicit subscribers, presence sharers of open nodes), each resource only if
// its capabilities ask for '<node>+notify', never to a JID the owner blocked (XEP-0191).
import type { ModuleApi } from '../../core/module-api.js';
import type { PubsubNode } from '../../storage/types.js';
import { Jid } from '../../xmpp/jid.js';
import type { Element } from '../../xmpp/xml.js';
import { accessError, seesPresence } from './access.js';
import { blocks } from '../../xmpp/blocklist.js';
import type { Audience } from './audience.js';
import type { NodeSettings } from './config.js';
import { notification } from './items.js';
import type { AccountState, RosterView } from './state.js';

export interface Target {
  to: string;
  /** Has a presence subscription to the owner (so may learn the publishing resource). */
  contact: boolean;
}

export class Notifier {
  constructor(
    private readonly api: ModuleApi<unknown>,
    private readonly audience: Audience,
    private readonly state: AccountState,
  ) {}

  /** May `viewer` (a bare JID) see the node, by its access model? The owner always may. */
  allowed(owner: Jid, node: PubsubNode, s: NodeSettings, roster: RosterView, viewer: string): boolean {
    if (viewer === owner.bare) return true;
    return accessError(s, node.affiliations, { bare: viewer, item: roster.get(viewer) }) === undefined;
  }

  /** Everyone who gets a notification about `node` now (§4.3.1-§4.3.2). */
  async recipients(owner: Jid, node: PubsubNode, s: NodeSettings): Promise<Target[]> {
    const targets = new Map<string, Target>();
    const wants = (full: string): boolean => this.audience.interested(full, node.node);
    for (const full of this.ownResourcesWanting(owner, node.node)) targets.set(full, { to: full, contact: false });

    const roster = await this.state.roster(owner);
    const others: Target[] = [];
    const add = (to: string, contact: boolean): void => {
      if (!targets.has(to)) others.push({ to, contact });
    };
    // Auto-subscribe (XEP-0060 §9.1.2): contacts subscribed to the owner's presence.
    for (const item of roster.values()) {
      if (!seesPresence(item) || !this.allowed(owner, node, s, roster, item.jid)) continue;
      const contact = Jid.tryParse(item.jid);
      if (contact) for (const full of this.audience.resources(owner, contact)) if (wants(full)) add(full, true);
    }
    // Explicit subscriptions (§4.3.1 rules for bare and full subscribed JIDs).
    for (const sub of await this.api.storage.pubsub.subscribers(owner.domain, owner.local, node.node)) {
      const jid = Jid.tryParse(sub);
      if (!jid || !this.allowed(owner, node, s, roster, jid.bare)) continue;
      const contact = seesPresence(roster.get(jid.bare));
      if (!jid.isBare) add(jid.full, contact);
      else {
        const interested = this.audience.resources(owner, jid).filter(wants);
        if (interested.length > 0) for (const full of interested) add(full, contact);
        else add(jid.bare, contact);
      }
    }
    // Presence sharers (§9.1.3): temporary subscriptions to open nodes.
    if (s.access_model === 'open') for (const j of this.audience.sharersOf(owner)) if (wants(j.full)) add(j.full, seesPresence(roster.get(j.bare)));

    if (others.length > 0) {
      const blocked = new Set(await this.api.storage.blocklist.list(owner.domain, owner.local));
      for (const t of others) {
        const jid = Jid.tryParse(t.to);
        if (jid && !blocks(blocked, jid) && !targets.has(t.to)) targets.set(t.to, t);
      }
    }
    return [...targets.values()];
  }

  /** The owner's available resources that ask for notifications of `node`. */
  ownResourcesWanting(owner: Jid, node: string): string[] {
    return this.audience.resources(owner, owner).filter((full) => this.audience.interested(full, node));
  }

  /** Sends `event` to every target; `publisher` is the publishing resource, if a client published. */
  send(owner: Jid, targets: readonly Target[], event: Element, publisher?: string): void {
    for (const t of targets) {
      const replyTo = t.contact && publisher && publisher !== owner.bare ? publisher : undefined;
      void this.api.send(notification({ from: owner.bare, to: t.to, replyTo }, event));
    }
  }

  /** Sends the last published item to one resource (§4.3.4, §6.2), stamped with its time. */
  sendLast(owner: Jid, to: string, event: Element, published: Date): void {
    void this.api.send(notification({ from: owner.bare, to, delayed: published }, event));
  }

  /** Whether the owner blocked `jid` (XEP-0191: no notifications to it). */
  async blocked(owner: Jid, jid: Jid): Promise<boolean> {
    if (jid.bare === owner.bare) return false;
    return blocks(new Set(await this.api.storage.blocklist.list(owner.domain, owner.local)), jid);
  }
}
