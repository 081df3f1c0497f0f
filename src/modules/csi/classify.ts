// What client state indication may keep back from an inactive client (XEP-0352 §3.2 leaves the
// choice to the server): presence updates, and messages whose every payload is about a
// conversation rather than in it (chat states, receipts, markers, PEP notifications). Anything
// else is urgent: a message with a body or with a payload not known here, an error, an IQ, a
// subscription request. Pure: no I/O.
import type { Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';

export type Urgency =
  | { readonly urgent: true }
  /** `key` names what a later stanza with the same key replaces (a contact's presence). */
  | { readonly urgent: false; readonly key?: string };

const URGENT: Urgency = { urgent: true };
const DEFERRABLE: Urgency = { urgent: false };

/**
 * Namespaces of payloads that can wait: chat states (XEP-0085), receipts (XEP-0184), markers
 * (XEP-0333), PEP notifications (XEP-0163), and what only describes a message: hints
 * (XEP-0334), stanza ids (XEP-0359), delay stamps (XEP-0203).
 */
const DEFERRABLE_NS: ReadonlySet<string> = new Set([
  NS.CHATSTATES, NS.RECEIPTS, NS.CHAT_MARKERS, NS.PUBSUB_EVENT, NS.HINTS, NS.SID, NS.DELAY,
]);

function isStanzaChild(child: Element): boolean {
  const ns = child.getNS() as string | undefined;
  return ns === undefined || ns === '' || ns === NS.CLIENT || ns === NS.SERVER;
}

/** The message inside a carbon copy (XEP-0280), which is as urgent as that message. */
function carried(child: Element): Element | undefined {
  if (child.getNS() !== NS.CARBONS || (child.getName() !== 'received' && child.getName() !== 'sent')) return undefined;
  return child.getChild('forwarded', NS.FORWARD)?.getChild('message');
}

function messageCanWait(message: Element): boolean {
  if (message.attrs.type === 'error') return false;
  for (const c of message.children) {
    if (typeof c === 'string') continue;
    if (isStanzaChild(c)) {
      // A thread id says which conversation; a body, subject or anything else is content.
      if (c.getName() !== 'thread') return false;
      continue;
    }
    const inner = carried(c);
    if (inner !== undefined) {
      if (!messageCanWait(inner)) return false;
      continue;
    }
    if (!DEFERRABLE_NS.has(c.getNS() as string)) return false;
  }
  return true;
}

export function urgency(stanza: Element): Urgency {
  if (stanza.name === 'message') return messageCanWait(stanza) ? DEFERRABLE : URGENT;
  if (stanza.name === 'presence') {
    const type = stanza.attrs.type as string | undefined;
    // Availability updates: only a contact's latest one matters. Subscription requests and
    // answers, probes and errors are urgent.
    if (type !== undefined && type !== 'unavailable') return URGENT;
    const from = stanza.attrs.from as string | undefined;
    return from === undefined ? DEFERRABLE : { urgent: false, key: from };
  }
  return URGENT;
}
