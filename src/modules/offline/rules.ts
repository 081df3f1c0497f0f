// Which messages are stored offline: XEP-0160 §3 (by message type), XEP-0334 §4.2 and §4.4
// (the no-store and store hints) and RFC 6121 §8.5.2.2.1 / §8.5.3.2.1 (what a server may do with
// a message for an account without available resources). Pure: no I/O.
import { hasChild, someChild, type Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { messageType } from '../../xmpp/stanza.js';

/** How the message was addressed: to the account's bare JID, or to a resource that is not online. */
export type Addressed = 'bare' | 'full';

/** Why a message is not stored (for debug logs and tests). */
export type SkipReason = 'type' | 'no-store' | 'no-content';

export type Decision = { store: true } | { store: false; reason: SkipReason };

/** True when the stanza's own namespace (jabber:client, jabber:server or none) qualifies `child`. */
function isStanzaChild(child: Element): boolean {
  const ns = child.getNS() as string | undefined;
  return ns === undefined || ns === '' || ns === NS.CLIENT || ns === NS.SERVER;
}

function hint(stanza: Element, name: 'store' | 'no-store'): boolean {
  return hasChild(stanza, name, NS.HINTS);
}

/**
 * Namespaces whose elements say something about a message rather than being its content:
 * chat states (XEP-0160 §3: chat-state-only messages SHOULD NOT be stored), hints (XEP-0334),
 * stanza and origin ids (XEP-0359) and delay stamps (XEP-0203).
 */
const NOT_CONTENT: ReadonlySet<string> = new Set([NS.CHATSTATES, NS.HINTS, NS.SID, NS.DELAY]);

/**
 * Whether a message carries something worth keeping: a body or subject, or any extension
 * payload (encrypted content outside the body, receipts, markers, invitations...). Threads,
 * chat states, hints, ids and delay stamps alone are not (XEP-0160 §3, XEP-0334 §3.4).
 */
const isContent = (c: Element): boolean =>
  isStanzaChild(c) ? c.getName() === 'body' || c.getName() === 'subject' : !NOT_CONTENT.has(c.getNS() as string);

export function hasContent(stanza: Element): boolean {
  return someChild(stanza, isContent);
}

/**
 * Decides whether a message for an account with no available resource of non-negative priority
 * is stored for later delivery. When it is not, core delivery applies the RFC 6121 rules (bounce
 * normal and chat with service-unavailable, drop the rest).
 */
export function decide(stanza: Element, addressed: Addressed): Decision {
  const type = messageType(stanza);
  // Errors are never stored, and hints in them are ignored (XEP-0160 §3, XEP-0334 §5). A
  // groupchat message to an account without resources MUST be answered with an error
  // (RFC 6121 §8.5.2.2.1), a MUST that a store hint cannot override.
  if (type === 'error' || type === 'groupchat') return { store: false, reason: 'type' };
  // XEP-0334 §4.2: not stored, not even temporarily. It wins over a contradicting store hint.
  if (hint(stanza, 'no-store')) return { store: false, reason: 'no-store' };
  // XEP-0334 §4.4: a message with the store hint that is not an error SHOULD be stored, even one
  // that would not be stored otherwise (a headline, one without a body).
  if (hint(stanza, 'store')) return { store: true };
  // XEP-0160 §3: headlines are time-sensitive and not stored.
  if (type === 'headline') return { store: false, reason: 'type' };
  // RFC 6121 §8.5.3.2.1: only a chat message to a resource that is not online may be stored; a
  // normal one is ignored or answered with an error.
  if (addressed === 'full' && type !== 'chat') return { store: false, reason: 'type' };
  return hasContent(stanza) ? { store: true } : { store: false, reason: 'no-content' };
}
