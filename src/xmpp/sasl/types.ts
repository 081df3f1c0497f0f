// SASL in XMPP (RFC 6120 §6): the shapes shared by the mechanisms, the factory and the
// c2s session that drives them. Pure protocol: no sockets, no storage access beyond the
// `lookup` callback the caller supplies.
import type { Credentials } from '../../storage/types.js';

/** Channel-binding types we can offer (RFC 9266, RFC 5929); tls-unique is never offered. */
export type ChannelBindingType = 'tls-exporter' | 'tls-server-end-point';

export interface SaslContext {
  /** TLS is in place on this stream */
  secure: boolean;
  /** Channel-binding data getters available on this connection (only when secure) */
  channelBinding: Partial<Record<ChannelBindingType, () => Buffer>>;
  /** Mechanism names offered in this stream's features, in offer order (for XEP-0474). */
  offeredMechanisms: string[];
  /** Channel-binding types advertised via XEP-0440, in order (for XEP-0474). Empty = XEP-0440 not used. */
  offeredChannelBindings: ChannelBindingType[];
  /** Prepared username (JID localpart) -> credentials, or undefined when there is no such account. */
  lookup(username: string): Promise<Credentials | undefined>;
  /** The domain of this stream, to check an authzid against (authzid must be empty or equal username@domain). */
  domain: string;
  /** Secret used to make fake salts for unknown users, so they cannot be told from real ones. */
  fakeSaltSecret: Buffer;
}

export interface SaslStepResult {
  /** challenge to send (<challenge/>) */
  challenge?: Buffer;
  /** set when authentication succeeded */
  success?: { username: string; additionalData?: Buffer };
}

export interface SaslMechanism {
  readonly name: string;
  /**
   * The prepared username the client claims, once a message naming it has been seen (for
   * per-account throttling); undefined before that or when the name cannot be prepared.
   * Not proof of anything until `step` resolves with success.
   */
  readonly username?: string | undefined;
  /**
   * The authorization identity the client asked for ('' or absent for none), once seen. The
   * mechanism has checked it names the authenticated account (RFC 6120 §6.3.8).
   */
  readonly authzid?: string | undefined;
  /**
   * Feeds one client message: the initial response first, or the answer to the empty challenge
   * the negotiation sends when the client sent none. An empty Buffer is a message with no data
   * ("=", RFC 6120 §6.4.2). Resolves with a challenge or success; rejects with a SaslFailure.
   */
  step(response: Buffer): Promise<SaslStepResult>;
}

/** Server-side knobs that are not part of the per-stream context (and test hooks). */
export interface MechanismOptions {
  /**
   * Iteration count shown to (SCRAM) and used for (PLAIN) accounts that do not exist, so they
   * look like real ones. Pass the configured `auth.scram_iterations`. Default 10000.
   */
  fakeIterations?: number;
  /**
   * Server part of the SCRAM nonce: the server passes pooled random bytes, tests a fixed value
   * to replay RFC vectors. Default: 18 random bytes from randomBytes(), base64.
   */
  randomNonce?: () => string;
  /** Send the XEP-0474 "h" attribute (default true); tests switch it off to replay RFC vectors. */
  downgradeProtection?: boolean;
}

export const DEFAULT_FAKE_ITERATIONS = 10000;
