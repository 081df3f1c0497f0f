// Answers a registration IQ itself rather than through the IQ dispatcher: the request carries a
// password, and XEP-0077 §3.3 says an error SHOULD NOT return the original XML. Errors here carry
// only the <error/>. Unexpected failures are logged with an id and answered with
// internal-server-error, as everywhere else (architecture guide, "A module").
import { randomUUID } from 'node:crypto';
import { xml, type Element } from '../../xmpp/xml.js';
import { StanzaError } from '../../xmpp/errors.js';
import { iqResult } from '../../xmpp/stanza.js';
import type { ModuleApi } from '../../core/module-api.js';

type Log = ModuleApi<unknown>['log'];

/** An IQ error without the request's payload (RFC 6120 §8.3.1 makes including it optional). */
export function errorIq(iq: Element, err: StanzaError): Element {
  const attrs: Record<string, string> = { type: 'error' };
  if (iq.attrs.id !== undefined) attrs.id = iq.attrs.id as string;
  if (iq.attrs.to) attrs.from = iq.attrs.to as string;
  if (iq.attrs.from) attrs.to = iq.attrs.from as string;
  return xml('iq', attrs, err.toElement());
}

export interface Outcome {
  /** The result payload, if any. */
  payload?: Element | undefined;
  /** Runs once the result has been sent (e.g. closing the sessions of a deleted account). */
  after?: () => void;
}

/** Runs `work` and sends its result or its error with `send`. */
export async function answer(iq: Element, send: (el: Element) => void, log: Log, work: () => Promise<Outcome>): Promise<void> {
  let outcome: Outcome;
  try {
    outcome = await work();
  } catch (err) {
    if (err instanceof StanzaError) return send(errorIq(iq, err));
    const id = randomUUID();
    log.error('registration request failed', { errorId: id, err });
    return send(errorIq(iq, new StanzaError('internal-server-error', `internal error ${id}`)));
  }
  send(iqResult(iq, outcome.payload));
  outcome.after?.();
}
