// What becomes of the stanzas a client never acknowledged when its session ends (XEP-0198 §4:
// treated like stanzas sent to an unavailable resource). Messages go to `message/undelivered`,
// where the offline module stores them or hands them to the account's other resources; what no
// module takes is answered here, last, as RFC 6121 §8.5.2.2.1 answers a message for an account
// without resources. IQ requests get an error; presence is state and is dropped.
import { StanzaError } from '../../../xmpp/errors.js';
import type { Element } from '../../../xmpp/xml.js';
import type { Host } from '../../host.js';
import type { Router } from '../../router.js';
import type { ClientSession } from '../../session-types.js';
import { DELIVERY_PRIORITY } from '../../delivery.js';

export interface Unacked {
  readonly stanza: Element;
  /** When it was sent to the client (milliseconds since the epoch). */
  readonly sentAt: number;
}

/**
 * The error for what cannot be handed on. RFC 6120 §8.3.3.13 forbids recipient-unavailable where
 * it would tell the sender about the recipient's availability, so the answer is the one a
 * resource that is gone gets (RFC 6121 §8.5.3.2.1, §8.5.3.2.3).
 */
const gone = (): StanzaError => new StanzaError('service-unavailable');

/** The sessions of `others` that have `stanza` (Host.reach) or sent it. */
function reachedBy(host: Host, stanza: Element, session: ClientSession, others: readonly ClientSession[]): Set<ClientSession> {
  const reached = new Set(host.reach.of(stanza));
  const from = stanza.attrs.from as string | undefined;
  for (const s of others) if (s.jid.full === from) reached.add(s);
  reached.delete(session);
  return reached;
}

/**
 * Hands on the unacknowledged stanzas of a session that ended, oldest first. `others` are the
 * account's sessions still there.
 */
export function handOnUnacked(host: Host, router: Router, session: ClientSession, unacked: readonly Unacked[], others: readonly ClientSession[]): void {
  const to = session.jid.toBare();
  for (const { stanza, sentAt } of unacked) {
    const type = stanza.attrs.type as string | undefined;
    if (stanza.name === 'message') {
      host.events.emit('message/undelivered', { stanza, to, session, sentAt: new Date(sentAt), reached: reachedBy(host, stanza, session, others) });
    } else if (stanza.name === 'iq' && (type === 'get' || type === 'set')) {
      router.bounce(stanza, gone());
    }
  }
}

/** The last handler of `message/undelivered`: what no module took bounces like an offline message. */
export function installUndeliveredFallback(host: Host, router: Router): void {
  host.events.on('message/undelivered', (ev) => {
    const type = ev.stanza.attrs.type as string | undefined;
    // Headlines are dropped, errors never answered (RFC 6121 §8.5.2.2.1); an unknown type is
    // a normal message (RFC 6121 §5.2.2).
    if (type !== 'headline' && type !== 'error') router.bounce(ev.stanza, gone());
    return true;
  }, DELIVERY_PRIORITY);
}
