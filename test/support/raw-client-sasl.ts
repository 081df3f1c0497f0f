// The SASL exchanges of the raw test client (RFC 6120 §6): SCRAM with or without channel binding,
// driven by the test SCRAM client, and PLAIN. Each resolves with 'success' or the condition of
// the failure the server answered with.
import type { Element } from '@xmpp/xml';
import type { RawClient } from './raw-client.js';
import { ScramClient } from './scram-client.js';

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256' | 'SCRAM-SHA-1-PLUS' | 'SCRAM-SHA-256-PLUS';

/** The defined condition of a SASL failure; 'closed' when the connection ended first. */
export function failureCondition(el: Element | undefined): string {
  if (!el) return 'closed';
  const cond = el.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text');
  return cond?.name ?? el.name;
}

/**
 * A SCRAM exchange on `c` after `features`: -PLUS binds to the connection with `cbType`, other
 * mechanisms send the gs2 flag given. `afterChallenge` runs between the server's challenge and
 * the client's final message.
 */
export async function scramExchange(
  c: RawClient, features: Element, username: string, password: string, mech: ScramMechanism, cbType: string, gs2Flag: 'n' | 'y',
  afterChallenge?: () => Promise<void>,
): Promise<string> {
  const plus = mech.endsWith('-PLUS');
  const client = new ScramClient({
    hash: mech.startsWith('SCRAM-SHA-256') ? 'sha256' : 'sha1',
    username,
    password,
    binding: plus ? { flag: 'p', type: cbType, data: c.bindingData(cbType) } : { flag: gs2Flag },
    expectOffer: { mechanisms: c.mechanisms(features), channelBindings: c.channelBindingTypes(features) },
  });
  c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='${mech}'>${client.first().toString('base64')}</auth>`);
  const challenge = await c.next();
  if (challenge?.name !== 'challenge') return failureCondition(challenge);
  await afterChallenge?.();
  const final = await client.final(Buffer.from(challenge.getText(), 'base64'));
  c.write(`<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${final.toString('base64')}</response>`);
  const outcome = await c.next();
  if (outcome?.name !== 'success') return failureCondition(outcome);
  client.verifyServerFinal(Buffer.from(outcome.getText(), 'base64'));
  return 'success';
}

/** A PLAIN exchange on `c` (RFC 4616), without an authorization identity. */
export async function plainExchange(c: RawClient, username: string, password: string): Promise<string> {
  const data = Buffer.from(`\0${username}\0${password}`).toString('base64');
  c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${data}</auth>`);
  const outcome = await c.next();
  return outcome?.name === 'success' ? 'success' : failureCondition(outcome);
}
