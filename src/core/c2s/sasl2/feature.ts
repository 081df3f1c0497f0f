// The SASL2 stream feature (XEP-0388 §"Discovering Support"): the mechanisms, and in <inline/>
// what can be done in the same round trip: stream resumption (XEP-0198), Bind 2 with its own
// inline features (XEP-0386 §"Discovering support") and FAST (XEP-0484 §"Server advertises
// support for FAST"). Pure.
import { NS } from '../../../xmpp/ns.js';
import { xml, type Element } from '../../../xmpp/xml.js';

export interface Sasl2Offer {
  readonly mechanisms: readonly string[];
  /** Inline resumption of a XEP-0198 session. */
  readonly resume: boolean;
  /** Namespaces of the features a Bind 2 request may enable. */
  readonly bindFeatures: readonly string[];
  /** HT mechanisms for FAST tokens; empty when FAST is off. */
  readonly fastMechanisms: readonly string[];
}

export function authenticationFeature(offer: Sasl2Offer): Element {
  const inline = xml('inline', {});
  if (offer.resume) inline.append(xml('sm', { xmlns: NS.SM }));
  const features = offer.bindFeatures.map((v) => xml('feature', { var: v }));
  inline.append(xml('bind', { xmlns: NS.BIND2 }, ...(features.length ? [xml('inline', {}, ...features)] : [])));
  if (offer.fastMechanisms.length > 0) {
    // No 'tls-0rtt': authentication in TLS early data is not accepted.
    inline.append(xml('fast', { xmlns: NS.FAST }, ...offer.fastMechanisms.map((m) => xml('mechanism', {}, m))));
  }
  return xml('authentication', { xmlns: NS.SASL2 }, ...offer.mechanisms.map((m) => xml('mechanism', {}, m)), inline);
}
