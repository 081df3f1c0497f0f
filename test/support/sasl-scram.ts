// Helpers of the SCRAM mechanism tests (RFC 5802, RFC 7677): a SASL context with fake channel
// binding data and one account, the server mechanism under test, the test client of
// test/support/scram-client.ts set up to match it, a whole exchange, and the failure check.
import assert from 'node:assert/strict';
import type { Credentials } from '../../src/storage/types.js';
import { SaslFailure, type SaslCondition } from '../../src/xmpp/errors.js';
import { deriveCredentials } from '../../src/xmpp/sasl/credentials.js';
import {
  createMechanism, offerableMechanisms, type ChannelBindingType, type MechanismOptions, type SaslContext, type SaslMechanism,
} from '../../src/xmpp/sasl/index.js';
import { ScramClient, type ScramClientOptions } from './scram-client.js';

export const EXPORTER = Buffer.from('fake tls-exporter keying material');
export const END_POINT = Buffer.from('fake certificate hash');
export const ALL_CB: ChannelBindingType[] = ['tls-exporter', 'tls-server-end-point'];

/** The accounts the mechanisms look up: juliet (password r0m30), once `addJuliet` has run. */
export const accounts = new Map<string, Credentials>();

/** Adds juliet to `accounts` (a before hook of the suites). */
export async function addJuliet(): Promise<void> {
  if (!accounts.has('juliet')) accounts.set('juliet', await deriveCredentials('r0m30', 4096));
}

export function context(over: Partial<SaslContext> = {}): SaslContext {
  const secure = over.secure ?? true;
  const offeredChannelBindings = over.offeredChannelBindings ?? (secure ? ALL_CB : []);
  return {
    secure,
    channelBinding: secure ? { 'tls-exporter': () => EXPORTER, 'tls-server-end-point': () => END_POINT } : {},
    offeredMechanisms: offerableMechanisms({ secure, allowPlain: false, channelBindings: offeredChannelBindings }),
    offeredChannelBindings,
    lookup: async (username) => accounts.get(username),
    domain: 'example.org',
    fakeSaltSecret: Buffer.from('fake salt secret'),
    ...over,
  };
}

export function mechanism(name: string, ctx: SaslContext = context(), opts: MechanismOptions = { fakeIterations: 4096 }): SaslMechanism {
  const mech = createMechanism(name, ctx, opts);
  assert.ok(mech, `${name} should be available`);
  return mech;
}

export function failsWith(condition: SaslCondition) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SaslFailure, `expected a SaslFailure, got ${String(err)}`);
    assert.equal(err.condition, condition);
    return true;
  };
}

/** Runs a whole exchange; resolves with the prepared username. */
export async function exchange(mech: SaslMechanism, client: ScramClient): Promise<string> {
  const first = await mech.step(client.first());
  assert.ok(first.challenge && !first.success);
  const final = await mech.step(await client.final(first.challenge));
  assert.ok(final.success?.additionalData);
  client.verifyServerFinal(final.success.additionalData);
  return final.success.username;
}

export function client(name: string, over: Partial<ScramClientOptions> = {}, ctx = context()): ScramClient {
  return new ScramClient({
    hash: name.includes('SHA-256') ? 'sha256' : 'sha1',
    username: 'juliet',
    password: 'r0m30',
    expectOffer: { mechanisms: ctx.offeredMechanisms, channelBindings: ctx.offeredChannelBindings },
    ...over,
  });
}
