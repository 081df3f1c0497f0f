// Sending the last published item (XEP-0163 §4.3.4 and §6.2, XEP-0060 §6.1.7, §12.1): to a
// resource whose capabilities newly ask for a node (initial presence, or caps that changed),
// to the resources of a contact who just got a presence subscription, and to a new explicit
// subscriber; each only for nodes it may see and whose send_last_published_item allows it.
import type { ModuleApi } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';
import type { Element } from '../../xmpp/xml.js';
import type { Audience } from './audience.js';
import { eventElement, itemElement, storedPayload } from './items.js';
import type { PepService } from './service.js';
import type { RosterView } from './state.js';

export type Trigger = 'presence' | 'subscription';

export class LastItems {
  /** Sends the last items of nodes that are views of others (the legacy bookmarks node). */
  virtual: (owner: Jid, to: Jid, names: ReadonlySet<string>, trigger: Trigger) => Promise<void> = async () => undefined;

  constructor(
    private readonly api: ModuleApi<unknown>,
    private readonly svc: PepService,
    private readonly audience: Audience,
  ) {}

  /** The last item of each of `owner`'s nodes in `names` that `to` may see, to `to`. */
  async send(owner: Jid, to: Jid, names: Iterable<string>, trigger: Trigger): Promise<void> {
    const wanted = new Set(names);
    if (wanted.size === 0) return;
    const view = await this.svc.state.nodes(owner);
    let roster: RosterView | undefined;
    const out: { event: Element; published: Date }[] = [];
    for (const name of wanted) {
      const node = view.nodes.get(name);
      const item = view.last.get(name);
      if (!node || !item) continue;
      const s = this.svc.settings(node);
      const when = s.send_last_published_item;
      if (!s.deliver_notifications || when === 'never' || (trigger === 'presence' && when !== 'on_sub_and_presence')) continue;
      roster ??= await this.svc.state.roster(owner);
      if (!this.svc.notifier.allowed(owner, node, s, roster, to.bare)) continue;
      out.push({ event: eventElement(name, { kind: 'items', items: [itemElement(item.id, s.deliver_payloads ? storedPayload(item) : undefined)] }), published: item.published });
    }
    // The blocklist is read only when there is something to send.
    if (out.length > 0 && !(await this.svc.notifier.blocked(owner, to))) {
      for (const o of out) this.svc.notifier.sendLast(owner, to.full, o.event, o.published);
    }
    await this.virtual(owner, to, wanted, trigger);
  }

  /**
   * A resource newly asks for `nodes` (caps/changed). The services concerned: its own account's,
   * those of this host's accounts it is subscribed to, those it sent presence to, and those
   * with nodes it subscribed to explicitly.
   */
  async interestAdded(jid: Jid, nodes: string[]): Promise<void> {
    if (nodes.length === 0) return;
    const owners = new Map<string, Jid>();
    if (jid.domain === this.api.host) {
      owners.set(jid.bare, jid.toBare());
      for (const item of (await this.svc.state.roster(jid.toBare())).values()) {
        if (item.subscription !== 'to' && item.subscription !== 'both') continue;
        const owner = Jid.tryParse(item.jid);
        if (owner && owner.domain === this.api.host && owner.local !== '') owners.set(owner.bare, owner);
      }
    }
    for (const owner of this.audience.ownersOf(jid)) owners.set(owner.bare, owner);
    for (const owner of owners.values()) await this.send(owner, jid, nodes, 'presence');
    // Explicit subscribers that are none of those (§4.3.4: "all newly-available resources for
    // each subscriber"): the nodes they subscribed to among those it now asks for.
    for (const [ownerBare, subscribed] of await this.svc.subscribed.of(jid)) {
      if (owners.has(ownerBare)) continue;
      const owner = Jid.tryParse(ownerBare);
      const wanted = nodes.filter((n) => subscribed.has(n));
      if (owner && wanted.length > 0) await this.send(owner, jid, wanted, 'presence');
    }
  }

  /** An entity of another domain sent `owner` available presence for the first time. */
  async sharerArrived(owner: Jid, jid: Jid): Promise<void> {
    const nodes = this.audience.interests(jid.full);
    if (nodes) await this.send(owner, jid, nodes, 'presence');
  }

  /** `contact` newly sees `owner`'s presence: its resources are new subscribers (§4.3.4). */
  async newSubscriber(owner: Jid, contact: Jid): Promise<void> {
    for (const full of this.audience.resources(owner, contact)) {
      const nodes = this.audience.interests(full);
      if (nodes) await this.send(owner, Jid.parse(full), nodes, 'subscription');
    }
  }
}
