// IQ rules for everyone (RFC 6120 §8.2.3): a request to the server or to an account's bare JID
// goes to the handler registered for its payload, which returns a payload, returns nothing (an
// empty result) or throws a StanzaError. Requests nobody answers get service-unavailable from
// the router. Results and errors are never answered; those for a request the server sent
// itself (sendIqRequest) settle that request.
import { randomUUID } from 'node:crypto';
import { StanzaError } from '../xmpp/errors.js';
import { iqPayload, iqResult } from '../xmpp/stanza.js';
import type { Element } from '../xmpp/xml.js';
import type { Jid } from '../xmpp/jid.js';
import type { Host } from './host.js';
import type { IqTarget } from './module-api.js';
import type { Router } from './router.js';
import type { StanzaEvent } from './stanza-events.js';

/** Priority of the dispatcher: after modules that intercept, before core delivery. */
export const IQ_DISPATCH_PRIORITY = -100;

interface Pending {
  /** The full address the request went to: only an answer from there settles it. */
  readonly to: string;
  readonly resolve: (answer: Element) => void;
}

/** Requests each host sent and still awaits, by IQ id. */
const pendingByHost = new WeakMap<Host, Map<string, Pending>>();

/**
 * Sends an IQ get or set from the host's own address and resolves with the answer (a result or
 * an error stanza) from the addressee, matched by id and sender; rejects after `timeoutMs`.
 * The id is replaced by an unguessable one, so nobody else can answer in the addressee's place.
 */
export function sendIqRequest(host: Host, router: Router, iq: Element, timeoutMs: number): Promise<Element> {
  const to = iq.attrs.to as string | undefined;
  const type = iq.attrs.type as string | undefined;
  if (iq.name !== 'iq' || (type !== 'get' && type !== 'set') || !to) throw new Error('sendIqRequest: needs an IQ get or set with a to address');
  let pending = pendingByHost.get(host);
  if (!pending) pendingByHost.set(host, (pending = new Map()));
  const table = pending;
  const id = randomUUID();
  iq.attrs.id = id;
  iq.attrs.from = host.name;
  return new Promise<Element>((resolve, reject) => {
    const timer = setTimeout(() => {
      table.delete(id);
      reject(new Error(`no answer from ${to} within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    table.set(id, {
      to,
      resolve: (answer) => {
        clearTimeout(timer);
        resolve(answer);
      },
    });
    const routed = router.route(iq);
    if (routed instanceof Promise) routed.catch(() => undefined); // the timeout reports a lost request
  });
}

/** Settles a request of `host` with this answer; false when it answers none (and is dropped). */
function settle(host: Host, ev: StanzaEvent): boolean {
  const id = ev.stanza.attrs.id as string | undefined;
  const table = pendingByHost.get(host);
  const pending = id === undefined ? undefined : table?.get(id);
  if (!pending || pending.to !== ev.from.full) return false;
  table!.delete(id!);
  pending.resolve(ev.stanza);
  return true;
}

/**
 * `accountExists` tells whether a bare JID's account exists: a request to an account that does
 * not gets service-unavailable, whatever its payload (RFC 6121 §8.5.1), so that no answer tells
 * anyone more about it than a message would.
 */
export function installIqDispatch(host: Host, router: Router, accountExists: (account: Jid) => boolean | Promise<boolean>): void {
  const dispatch = (target: IqTarget) => (ev: StanzaEvent): boolean | Promise<boolean> => {
    const type = ev.stanza.attrs.type as string | undefined;
    if (type !== 'get' && type !== 'set') {
      // Results and errors for the server end here, settling a request it sent if they answer one.
      if (target === 'host') settle(host, ev);
      return target === 'host';
    }
    const payload = iqPayload(ev.stanza);
    if (!payload) throw new StanzaError('bad-request', 'an IQ get or set must have exactly one child element');
    // getName(): the local name, so a prefixed payload (<v:vCard xmlns:v='vcard-temp'/>) matches too.
    const handler = host.iqHandler(target, type, payload.getNS() ?? '', payload.getName());
    if (!handler) return false;
    const request = { stanza: ev.stanza, payload, from: ev.from, to: ev.to, origin: ev.origin };
    // The sender's own account exists; another one is checked first.
    const known = target === 'host' || ev.from.bare === ev.to.bare || accountExists(ev.to);
    if (known === false) throw new StanzaError('service-unavailable');
    const out = known === true ? handler(request) : known.then((yes) => {
      if (!yes) throw new StanzaError('service-unavailable');
      return handler(request);
    });
    const answer = (res: Element | undefined | void | false): boolean => {
      if (res === false) return false;
      const reply = iqResult(ev.stanza, res ?? undefined);
      // A request without 'to' was for the sender's own account: answer that session directly,
      // without a 'from' (RFC 6120 §10.3.3).
      if (ev.origin && ev.stanza.attrs.to === undefined) ev.origin.send(reply);
      else void router.route(reply);
      return true;
    };
    return out instanceof Promise ? out.then(answer) : answer(out);
  };
  host.events.on('iq/host', dispatch('host'), IQ_DISPATCH_PRIORITY);
  host.events.on('iq/bare', dispatch('bare'), IQ_DISPATCH_PRIORITY);
}
