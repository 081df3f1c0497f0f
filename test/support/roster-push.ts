// Roster pushes (RFC 6121 §2.1.6) as the tests recognise them: any push, or one about a contact
// in a given subscription state.
import type { Element } from '@xmpp/xml';

export const NS_ROSTER = 'jabber:iq:roster';

/** Any roster push. */
export const anyPush = (e: Element): boolean => e.name === 'iq' && e.attrs.type === 'set' && e.getChild('query', NS_ROSTER) !== undefined;

/**
 * A roster push about `jid`; with `state`, in that state: its subscription and ask joined by '+'
 * ('both', 'none+subscribe', 'remove').
 */
export const isPush = (jid: string, state?: string) => (e: Element): boolean => {
  if (!anyPush(e)) return false;
  const item = e.getChild('query', NS_ROSTER)?.getChild('item');
  if (!item || item.attrs.jid !== jid) return false;
  return state === undefined || [item.attrs.subscription, item.attrs.ask].filter(Boolean).join('+') === state;
};
