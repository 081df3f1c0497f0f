// XEP-0060 §7-§8 error conditions: a stanza error plus, where the XEP names one, a child in
// the 'http://jabber.org/protocol/pubsub#errors' namespace (§11, §14.2).
import { StanzaError, type StanzaErrorCondition, type StanzaErrorType } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { xml } from '../../xmpp/xml.js';

export type PubsubCondition =
  | 'closed-node' | 'invalid-jid' | 'invalid-payload' | 'item-forbidden' | 'item-required'
  | 'max-items-exceeded' | 'nodeid-required' | 'not-in-roster-group' | 'not-subscribed' | 'payload-required'
  | 'payload-too-big' | 'precondition-not-met' | 'presence-subscription-required'
  | 'too-many-subscriptions' | 'unsupported-access-model';

export function pubsubError(condition: StanzaErrorCondition, specific?: PubsubCondition, text?: string, type?: StanzaErrorType): StanzaError {
  return new StanzaError(condition, text, type, specific ? xml(specific, { xmlns: NS.PUBSUB_ERRORS }) : undefined);
}

/** feature-not-implemented with <unsupported feature='...'/> (§7.1.3.2 and others). */
export function unsupported(feature: string, text?: string): StanzaError {
  return new StanzaError('feature-not-implemented', text, undefined, xml('unsupported', { xmlns: NS.PUBSUB_ERRORS, feature }));
}

export const nodeNotFound = (): StanzaError => new StanzaError('item-not-found', 'no such node');
