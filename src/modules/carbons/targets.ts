// Which of an account's resources receive a message itself under RFC 6121 §8.5, as core delivery
// picks them: those get no carbon of it (XEP-0280 §7: "to each Carbons-enabled resource ...
// that did not receive it").
import { topResources, type ClientSession } from '../../core/module-api.js';
import type { Jid } from '../../xmpp/jid.js';
import type { MessageType } from '../../xmpp/stanza.js';

/**
 * The resources of `sessions` (one account's) that core delivery hands a message for `to`, or
 * undefined when it goes to none because it is answered with an error or dropped.
 */
export function deliveredTo(sessions: readonly ClientSession[], to: Jid, type: MessageType): readonly ClientSession[] | undefined {
  if (to.resource !== '') {
    // §8.5.3.1: a message for a connected resource goes to it, available or not. For one that is
    // not connected, a chat message is handled as if sent to the bare JID; others bounce or are
    // dropped (§8.5.3.2.1).
    const exact = sessions.find((s) => s.jid.full === to.full);
    if (exact) return [exact];
    if (type !== 'chat') return undefined;
  }
  if (type === 'error' || type === 'groupchat') return [];
  // §8.5.2.1.2: headlines go to every available resource of non-negative priority; chat and
  // normal messages to those of the highest priority (§8.5.2.1.1).
  if (type === 'headline') return sessions.filter((s) => s.available && s.priority >= 0);
  return topResources(sessions);
}
