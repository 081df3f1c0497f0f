// RFC 6121 §4.2-§4.6: presence broadcasts, probes and unavailable notifications, applying the
// pure rules of rules.ts with the module API (storage reads, routing, the sessions of an account).
import type { IqContext, ModuleApi } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { DirectedPresence } from './directed.js';
import { addressed, directedOnly, presenceLists, probeAnswer, receivesMyPresence, unavailablePresence, type PresenceLists } from './rules.js';

/** A bound client session as the module API shows it. */
export type Session = NonNullable<IqContext['origin']>;

export class PresenceBroadcaster {
  /** §4.6: who received directed available presence from each session. */
  readonly directed = new DirectedPresence<Session>();
  /** The unavailable presence a client sent, kept for its broadcast (it may carry a status). */
  private readonly clientUnavailable = new WeakMap<Session, Element>();
  /** Sessions that went available and whose unavailable broadcast has not started yet. */
  private readonly live = new WeakSet<Session>();

  constructor(private readonly api: ModuleApi<unknown>) {}

  /**
   * Subscription lists of accounts with sessions, so a presence broadcast costs no storage read.
   * An entry is dropped on roster/changed and when the account's last session ends; a load in
   * flight when the roster changes still answers its caller but is not kept.
   */
  private readonly listCache = new Map<string, Promise<PresenceLists>>();

  private lists(user: Jid): Promise<PresenceLists> {
    const cached = this.listCache.get(user.bare);
    if (cached) return cached;
    const load = this.api.storage.roster.get(user.domain, user.local).then((r) => presenceLists(r.items, user.bare));
    this.listCache.set(user.bare, load);
    load.catch(() => {
      if (this.listCache.get(user.bare) === load) this.listCache.delete(user.bare);
    });
    return load;
  }

  /**
   * Whether `who` is subscribed to `contact`'s presence (from/both). An account with sessions
   * has its lists cached, so answering the probes of a newcomer's initial presence costs no
   * storage read per online contact; otherwise one roster item is read.
   */
  private async isSubscriber(contact: Jid, who: string): Promise<boolean> {
    if (this.listCache.has(contact.bare) || this.api.sessionsOf(contact).length > 0) {
      return (await this.lists(contact)).subscriberSet.has(who);
    }
    const item = await this.api.storage.roster.getItem(contact.domain, contact.local, who);
    return item !== undefined && receivesMyPresence(item.subscription);
  }

  /** The roster of `bare` changed (or the account is gone, or has no session left). */
  forgetLists(bare: string): void {
    this.listCache.delete(bare);
  }

  private availableSessions(bare: Jid): Session[] {
    return this.api.sessionsOf(bare).filter((s) => s.available && s.presence !== undefined);
  }

  /** Remembers the client's own unavailable presence until the availability tracking reports it. */
  keepClientUnavailable(session: Session, stanza: Element): void {
    this.clientUnavailable.set(session, stanza);
  }

  /**
   * Initial (§4.2.2) or subsequent (§4.4.2) available presence from a session: to every contact
   * subscribed to the user, to all the user's available resources including this one, and, for
   * initial presence, the other resources' presence to this session and probes (§4.3.1).
   * Priority does not filter presence: negative-priority resources get it too (§8.5.2.1.2).
   */
  async available(session: Session, initial: boolean): Promise<void> {
    this.clientUnavailable.delete(session);
    this.live.add(session);
    const user = session.jid.toBare();
    const lists = await this.lists(user);
    // The session may have ended while the roster was read; its unavailable presence went out.
    const presence = session.presence;
    if (!session.available || !presence) return;
    const from = session.jid.full;
    for (const contact of lists.subscribers) this.api.send(addressed(presence, from, contact));
    const own = this.availableSessions(user);
    for (const s of own) this.api.send(addressed(presence, from, s.jid.full));
    if (!initial) return;
    for (const s of own) {
      if (s !== session) this.api.send(addressed(s.presence!, s.jid.full, from));
    }
    await this.probe(session, lists.subscriptions);
  }

  /**
   * §4.3.1: probes from the user's bare JID to each contact the user is subscribed to. A contact
   * on this host is answered here, straight to the new session, as the contact's server would
   * (§4.3.2); one without an available resource is skipped, which spares a storage read per
   * offline contact (a client takes a contact it has heard nothing from as unavailable).
   */
  private async probe(session: Session, contacts: readonly string[]): Promise<void> {
    const user = session.jid.toBare();
    const local: Promise<void>[] = [];
    for (const c of contacts) {
      const contact = Jid.tryParse(c);
      if (!contact) continue;
      if (contact.domain !== this.api.host) {
        this.api.send(xml('presence', { type: 'probe', from: user.bare, to: contact.bare }));
      } else if (this.availableSessions(contact).length > 0) {
        local.push(this.answerProbe(contact, user, session.jid));
      }
    }
    await Promise.all(local);
  }

  /**
   * §4.3.2: answers a probe of a local account `contact` by `prober`, sending the presence to
   * `replyTo` (the prober itself, or the session that needs it). Probes are never delivered to
   * clients.
   */
  async answerProbe(contact: Jid, prober: Jid, replyTo: Jid): Promise<void> {
    const selfProbe = prober.bare === contact.bare;
    const subscribed = selfProbe ? false : await this.isSubscriber(contact, prober.bare);
    const online = this.availableSessions(contact);
    switch (probeAnswer(selfProbe, subscribed ? { subscription: 'from' } : undefined, online.length)) {
      case 'unsubscribed':
        // Step 1: the same answer whether the account exists or not, so nothing is revealed.
        this.api.send(xml('presence', { type: 'unsubscribed', from: contact.bare, to: prober.bare }));
        return;
      case 'unavailable':
        this.api.send(xml('presence', { type: 'unavailable', from: contact.bare, to: replyTo.full }));
        return;
      case 'presence':
        for (const s of online) this.api.send(addressed(s.presence!, s.jid.full, replyTo.full));
    }
  }

  /**
   * §4.5.2 and §4.6.3: a session went unavailable, by its own unavailable presence or by
   * disconnecting. Contacts subscribed to the user, the user's other available resources and
   * every entity that got directed presence from the session (and not directed unavailable
   * since) are told.
   */
  async unavailable(session: Session): Promise<void> {
    this.live.delete(session);
    const stanza = unavailablePresence(session.jid.full, this.clientUnavailable.get(session));
    this.clientUnavailable.delete(session);
    // Taken now, before any await: a new session life must start with an empty list.
    const directed = this.directed.take(session);
    const user = session.jid.toBare();
    const lists = await this.lists(user);
    const from = session.jid.full;
    for (const contact of lists.subscribers) this.api.send(addressed(stanza, from, contact));
    for (const s of this.api.sessionsOf(user)) {
      if (s !== session && s.available) this.api.send(addressed(stanza, from, s.jid.full));
    }
    for (const jid of directedOnly(directed, lists.subscribers, user.bare)) this.api.send(addressed(stanza, from, jid));
  }

  /**
   * The session ended. When it was available, `unavailable` tells everyone (it may run after
   * this, when an earlier handler of presence/unavailable is asynchronous); otherwise the
   * entities it sent directed presence to are told now, subscribers included, since they got
   * no broadcast.
   */
  closed(session: Session): void {
    if (this.live.has(session)) return;
    const directed = this.directed.take(session);
    if (directed.length === 0) return;
    const stanza = unavailablePresence(session.jid.full, undefined);
    for (const jid of directedOnly(directed, [], session.jid.bare)) this.api.send(addressed(stanza, session.jid.full, jid));
  }
}
