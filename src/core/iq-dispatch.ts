// IQ rules for everyone (RFC 6120 §8.2.3): a request to the server or to an account's bare JID
// goes to the handler registered for its payload, which returns a payload, returns nothing (an
// empty result) or throws a StanzaError. Requests nobody answers get service-unavailable from
// the router. Results and errors are never answered.
import { StanzaError } from '../xmpp/errors.js';
import { iqPayload, iqResult } from '../xmpp/stanza.js';
import type { Element } from '../xmpp/xml.js';
import type { Host } from './host.js';
import type { IqTarget } from './module-api.js';
import type { Router } from './router.js';
import type { StanzaEvent } from './stanza-events.js';

/** Priority of the dispatcher: after modules that intercept, before core delivery. */
export const IQ_DISPATCH_PRIORITY = -100;

export function installIqDispatch(host: Host, router: Router): void {
  const dispatch = (target: IqTarget) => (ev: StanzaEvent): boolean | Promise<boolean> => {
    const type = ev.stanza.attrs.type as string | undefined;
    if (type !== 'get' && type !== 'set') return target === 'host'; // results/errors for the server end here
    const payload = iqPayload(ev.stanza);
    if (!payload) throw new StanzaError('bad-request', 'an IQ get or set must have exactly one child element');
    // getName(): the local name, so a prefixed payload (<v:vCard xmlns:v='vcard-temp'/>) matches too.
    const handler = host.iqHandler(target, type, payload.getNS() ?? '', payload.getName());
    if (!handler) return false;
    const out = handler({ stanza: ev.stanza, payload, from: ev.from, to: ev.to, origin: ev.origin });
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
