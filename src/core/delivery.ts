// Core delivery, run last on every host (RFC 6121 §8.5): messages, presence and IQs addressed to
// local accounts and resources. Modules that store offline messages, archive, copy (carbons)
// or broadcast presence hook the same events at a higher priority.
import { StanzaError } from '../xmpp/errors.js';
import type { Storage } from '../storage/types.js';
import type { Jid } from '../xmpp/jid.js';
import { messageType } from '../xmpp/stanza.js';
import type { Host } from './host.js';
import type { Router } from './router.js';
import type { ClientSession } from './session-types.js';
import type { SessionManager } from './session-manager.js';
import type { StanzaEvent } from './stanza-events.js';

export const DELIVERY_PRIORITY = -1000;

/** Available resources with non-negative priority that share the highest priority (RFC 6121 §8.5.2.1.1). */
export function topResources(sessions: readonly ClientSession[]): ClientSession[] {
  let best = -1;
  let out: ClientSession[] = [];
  for (const s of sessions) {
    if (!s.available || s.priority < 0) continue;
    if (s.priority > best) {
      best = s.priority;
      out = [s];
    } else if (s.priority === best) out.push(s);
  }
  return out;
}

/** Whether the account of a bare JID exists: at once when it has a session, else from storage. */
export function accountCheck(sessions: SessionManager, storage: Storage): (account: Jid) => boolean | Promise<boolean> {
  return (account) => sessions.resources(account).length > 0
    || storage.accounts.get(account.domain, account.local).then((a) => a !== undefined);
}

export function installDelivery(host: Host, router: Router, sessions: SessionManager, storage: Storage): void {
  const accountExists = accountCheck(sessions, storage);

  const messageToBare = (ev: StanzaEvent): boolean | Promise<boolean> => {
    const type = messageType(ev.stanza);
    if (type === 'error') return true;
    const all = sessions.resources(ev.to);
    if (type === 'groupchat') {
      router.bounce(ev.stanza, new StanzaError('service-unavailable'));
      return true;
    }
    const targets = type === 'headline' ? all.filter((s) => s.available && s.priority >= 0) : topResources(all);
    if (targets.length > 0) {
      for (const s of targets) s.send(ev.stanza);
      if (targets.length > 1) host.reach.note(ev.stanza, targets);
      return true;
    }
    // No available resource: without offline storage, normal and chat messages bounce (§8.5.2.2.1);
    // for an unknown account every message type but error bounces (§8.5.1).
    return Promise.resolve(accountExists(ev.to)).then((exists) => {
      if (!exists || type === 'normal' || type === 'chat') router.bounce(ev.stanza, new StanzaError('service-unavailable'));
      return true;
    });
  };

  host.events.on('message/bare', messageToBare, DELIVERY_PRIORITY);

  host.events.on('message/full', (ev) => {
    const s = sessions.get(ev.to);
    if (s) {
      s.send(ev.stanza);
      return true;
    }
    // §8.5.3.2.1: no such resource. A chat message is handled as if sent to the bare JID;
    // headlines are dropped, and normal (so too an unknown type, §5.2.2) and groupchat ones
    // answered with an error. Errors are never answered.
    const type = messageType(ev.stanza);
    if (type === 'chat') return messageToBare({ ...ev, to: ev.to.toBare() });
    if (type !== 'error' && type !== 'headline') router.bounce(ev.stanza, new StanzaError('service-unavailable'));
    return true;
  }, DELIVERY_PRIORITY);

  host.events.on('iq/full', (ev) => {
    const s = sessions.get(ev.to);
    if (s) s.send(ev.stanza);
    else router.bounce(ev.stanza, new StanzaError('service-unavailable'));
    return true;
  }, DELIVERY_PRIORITY);

  host.events.on('presence/full', (ev) => {
    // Directed presence and presence errors to a resource; silently dropped when it is gone (§8.5.3.2.3).
    sessions.get(ev.to)?.send(ev.stanza);
    return true;
  }, DELIVERY_PRIORITY);

  host.events.on('presence/bare', (ev) => {
    if (ev.stanza.attrs.to === undefined) return true; // a broadcast: the presence module's job
    for (const s of sessions.resources(ev.to)) if (s.available) s.send(ev.stanza);
    return true;
  }, DELIVERY_PRIORITY);

  // Messages and presence addressed to the server itself are dropped unless a module takes them.
  host.events.on('message/host', () => true, DELIVERY_PRIORITY);
  host.events.on('presence/host', () => true, DELIVERY_PRIORITY);
}
