// SASL mechanisms for XMPP (RFC 6120 §6): which to offer on a stream and a factory for the one
// the client picks. Strongest first: channel binding (XEP-0440) beats none, SHA-256 beats SHA-1,
// and PLAIN comes last and only over TLS.
import type { ScramHash } from '../../storage/types.js';
import { PlainServer } from './plain.js';
import { ScramServer, scramMechanismName } from './scram.js';
import type { ChannelBindingType, MechanismOptions, SaslContext, SaslMechanism } from './types.js';

export type {
  ChannelBindingType, MechanismOptions, SaslContext, SaslMechanism, SaslStepResult,
} from './types.js';
export { DEFAULT_FAKE_ITERATIONS } from './types.js';
export { deriveCredentials, verifyPlainPassword, MIN_ITERATIONS } from './credentials.js';
export { downgradeProtectionHash } from './scram.js';
export { HtServer, isHtMechanism, offerableHtMechanisms, type HtContext, type HtTokens } from './ht.js';

interface Entry {
  /** Never usable without TLS: answered with encryption-required rather than invalid-mechanism. */
  needsTls: boolean;
  create(ctx: SaslContext, options: MechanismOptions): SaslMechanism;
}

const HASHES_BY_STRENGTH: readonly ScramHash[] = ['sha256', 'sha1'];

const REGISTRY = new Map<string, Entry>();
for (const plus of [true, false]) {
  for (const hash of HASHES_BY_STRENGTH) {
    REGISTRY.set(scramMechanismName(hash, plus), {
      needsTls: plus,
      create: (ctx, options) => new ScramServer(hash, plus, ctx, options),
    });
  }
}
REGISTRY.set('PLAIN', { needsTls: true, create: (ctx, options) => new PlainServer(ctx, options) });

/**
 * The mechanism the client asked for, or undefined when it is unknown or was not offered on
 * this stream (the caller answers invalid-mechanism, RFC 6120 §6.5.5). A mechanism that needs
 * TLS, asked for on a stream without it, is returned anyway so that its first step answers
 * encryption-required (RFC 6120 §6.5.4).
 */
export function createMechanism(name: string, ctx: SaslContext, options: MechanismOptions = {}): SaslMechanism | undefined {
  const entry = REGISTRY.get(name);
  if (!entry) return undefined;
  if (!(entry.needsTls && !ctx.secure) && !ctx.offeredMechanisms.includes(name)) return undefined;
  return entry.create(ctx, options);
}

/**
 * Mechanism names to offer, strongest first: SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS (with TLS and
 * a channel-binding type), SCRAM-SHA-256, SCRAM-SHA-1, then PLAIN (with TLS, when allowed).
 */
export function offerableMechanisms(opts: { secure: boolean; allowPlain: boolean; channelBindings: ChannelBindingType[] }): string[] {
  const names: string[] = [];
  if (opts.secure && opts.channelBindings.length > 0) {
    for (const hash of HASHES_BY_STRENGTH) names.push(scramMechanismName(hash, true));
  }
  for (const hash of HASHES_BY_STRENGTH) names.push(scramMechanismName(hash, false));
  if (opts.secure && opts.allowPlain) names.push('PLAIN');
  return names;
}
