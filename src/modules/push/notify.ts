// Sending notifications (XEP-0357 §7): when a message warranting one is held for an account, each
// of its registered devices that is not connected gets a pubsub publish to its push service, at
// most one per burst (state.ts), from the server's JID (as the XEP has it since version 0.3).
// An error answer disables the registration unless it is transient (§7.1).
import type { ClientSession, ModuleApi } from '../../core/module-api.js';
import type { Jid } from '../../xmpp/jid.js';
import type { Element } from '../../xmpp/xml.js';
import type { PushRegistration } from '../../storage/types.js';
import type { PushOptions } from './options.js';
import { bodyOf, disablesRegistration, errorOf, publishIq, type Summary } from './rules.js';
import { registrationKey, type Bursts, type RegistrationCache } from './state.js';

/** How long a push service has to answer a notification. */
export const PUBLISH_TIMEOUT_MS = 30_000;

export interface NotifierDeps {
  readonly api: ModuleApi<PushOptions>;
  readonly registrations: RegistrationCache;
  readonly bursts: Bursts;
  /** The registrations each session enabled: its device is connected while the session is. */
  readonly devices: WeakMap<ClientSession, Set<string>>;
}

export class Notifier {
  private readonly seen = new WeakSet<Element>();

  constructor(private readonly d: NotifierDeps) {}

  /**
   * A message warranting a notification is held for `account`. Runs apart from the message's
   * way (nothing waits for it); failures are logged.
   */
  held(account: Jid, stanza: Element, sender: Jid): void {
    // A message queued for a hibernated session and stored offline when the session ends
    // (XEP-0198 §4) is one message: counted, and told about, once.
    if (this.seen.has(stanza)) return;
    this.seen.add(stanza);
    this.notify(account, stanza, sender).catch((err: unknown) => {
      this.d.api.log.error('push notification failed', { account: account.bare, err });
    });
  }

  /** Registrations whose device has a connected session (one that does not hibernate). */
  private connected(account: Jid): Set<string> {
    const keys = new Set<string>();
    for (const s of this.d.api.sessionsOf(account)) {
      if (!s.hibernating) for (const k of this.d.devices.get(s) ?? []) keys.add(k);
    }
    return keys;
  }

  private async notify(account: Jid, stanza: Element, sender: Jid): Promise<void> {
    const { api, bursts } = this.d;
    const regs = await this.d.registrations.get(account.local);
    if (regs.length === 0) return;
    const messageCount = bursts.count(account.local);
    const connected = this.connected(account);
    const now = Date.now();
    const due = regs.filter((r) => !connected.has(registrationKey(r)) && bursts.take(account.local, registrationKey(r), now));
    if (due.length === 0) return;
    const pending = await api.storage.roster.pendingInState(account.domain, account.local);
    const summary: Summary = {
      messageCount,
      pendingSubscriptions: pending.count,
      sender: api.options.include_sender ? sender.full : undefined,
      body: api.options.include_body ? bodyOf(stanza) : undefined,
    };
    await Promise.all(due.map((r) => this.publish(account, r, summary)));
  }

  private async publish(account: Jid, reg: PushRegistration, summary: Summary): Promise<void> {
    const { api } = this.d;
    // Never the node or the publish options in logs: they identify the device to its service.
    const where = { account: account.bare, service: reg.jid };
    let answer: Element;
    try {
      answer = await api.request(publishIq(reg, summary), PUBLISH_TIMEOUT_MS);
    } catch {
      api.log.warn('push service did not answer; registration kept', where);
      return;
    }
    if (answer.attrs.type === 'result') {
      api.log.debug('push notification sent', { ...where, messages: summary.messageCount });
      return;
    }
    const { type, condition } = errorOf(answer);
    if (!disablesRegistration(answer)) {
      api.log.info('push service refused a notification for now; registration kept', { ...where, type, condition });
      return;
    }
    await api.storage.push.disable(account.domain, account.local, reg.jid, reg.node);
    this.d.registrations.forget(account.local);
    api.log.info('push registration disabled after an error from its service', { ...where, type, condition });
  }
}
