// Who may see a personal node (XEP-0060 §4.5 access models, §6.1.3 and §6.5.9 errors; XEP-0163
// §3: the owner always may, and a presence subscription grants 'presence' and 'roster' access).
// Pure.
import type { PubsubAffiliation, RosterItem } from '../../storage/types.js';
import type { StanzaError } from '../../xmpp/errors.js';
import type { NodeSettings } from './config.js';
import { pubsubError } from './errors.js';
import { hasFrom } from '../../xmpp/subscription.js';

export interface Viewer {
  /** The requester's bare JID. */
  bare: string;
  /** The owner's roster item for the requester, if any. */
  item: RosterItem | undefined;
}

/** Has a subscription to the owner's presence (RFC 6121 'from' or 'both', seen from the owner). */
export const seesPresence = (item: RosterItem | undefined): boolean => hasFrom(item?.subscription);

/**
 * The error that keeps `viewer` from subscribing to or retrieving items of a node, or undefined
 * when access is granted. The owner is checked by the caller.
 */
export function accessError(s: NodeSettings, affiliations: Readonly<Record<string, PubsubAffiliation>>, viewer: Viewer): StanzaError | undefined {
  const affiliation = affiliations[viewer.bare];
  // §6.1.3.8, §6.5.9.10: an outcast is blocked.
  if (affiliation === 'outcast') return pubsubError('forbidden');
  switch (s.access_model) {
    case 'open':
      return undefined;
    case 'presence':
      return seesPresence(viewer.item) ? undefined : pubsubError('not-authorized', 'presence-subscription-required');
    case 'roster': {
      const groups = viewer.item?.groups ?? [];
      const inGroup = seesPresence(viewer.item) && groups.some((g) => s.roster_groups_allowed.includes(g));
      return inGroup ? undefined : pubsubError('not-authorized', 'not-in-roster-group');
    }
    case 'whitelist':
      return affiliation === 'member' ? undefined : pubsubError('not-allowed', 'closed-node');
  }
}

