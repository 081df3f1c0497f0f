// The Hashed Token (HT) SASL mechanisms (draft-schmaus-kitten-sasl-ht-09), server side, as used
// by FAST (XEP-0484): one message from the client, "authcid NUL initiator-hashed-token", where
// the hashed token is HMAC(token, "Initiator" || cb-data); on success the server answers with
// HMAC(token, "Responder" || cb-data) so the client knows it spoke to a holder of the token.
// Only SHA-256 is offered. Which tokens a user has is the caller's business (`HtTokens`).
import { SaslFailure } from '../errors.js';
import { channelBindingData, decodeUtf8, hmac, prepareUsername, safeEqual } from './credentials.js';
import type { ChannelBindingType, SaslMechanism, SaslStepResult } from './types.js';

/** HT-SHA-256 mechanism names and the channel binding each one uses (draft §2: cb-type). */
const HT_MECHANISMS: ReadonlyMap<string, ChannelBindingType | undefined> = new Map([
  ['HT-SHA-256-EXPR', 'tls-exporter'],
  ['HT-SHA-256-ENDP', 'tls-server-end-point'],
  ['HT-SHA-256-NONE', undefined],
]);

/** The draft asks to accept authcids of up to 255 octets; a JID localpart may have 1023. */
const AUTHCID_MAX = 1023;

/** HT mechanisms to offer, channel binding first; -NONE always, the others when the binding is available. */
export function offerableHtMechanisms(opts: { secure: boolean; channelBindings: readonly ChannelBindingType[] }): string[] {
  if (!opts.secure) return [];
  return [...HT_MECHANISMS].filter(([, cb]) => cb === undefined || opts.channelBindings.includes(cb)).map(([name]) => name);
}

export function isHtMechanism(name: string): boolean {
  return HT_MECHANISMS.has(name);
}

/** Where an HT mechanism finds the tokens of a user. */
export interface HtTokens {
  /**
   * Resolves with the token (its UTF-8 octets) of `username` for which `proves(token)` holds, or
   * undefined when there is none (always for an undefined username: one that cannot be prepared). May reject with a SaslFailure (e.g. credentials-expired for a
   * token that matched but is no longer trusted, XEP-0484 §"Business Rules").
   */
  find(username: string | undefined, proves: (token: Buffer) => boolean): Promise<Buffer | undefined>;
}

export interface HtContext {
  secure: boolean;
  channelBinding: Partial<Record<ChannelBindingType, () => Buffer>>;
}

export class HtServer implements SaslMechanism {
  readonly name: string;
  private readonly cbType: ChannelBindingType | undefined;
  private done = false;
  username: string | undefined;

  constructor(name: string, private readonly ctx: HtContext, private readonly tokens: HtTokens) {
    if (!HT_MECHANISMS.has(name)) throw new Error(`not an HT mechanism: ${name}`);
    this.name = name;
    this.cbType = HT_MECHANISMS.get(name);
  }

  async step(response: Buffer): Promise<SaslStepResult> {
    if (this.done) throw new SaslFailure('malformed-request', 'the authentication exchange is over');
    this.done = true;
    if (!this.ctx.secure) throw new SaslFailure('encryption-required');
    // Client-first, one message: "authcid NUL initiator-hashed-token" (draft §3.1).
    const nul = response.indexOf(0);
    if (nul <= 0 || nul === response.length - 1 || nul > AUTHCID_MAX) {
      throw new SaslFailure('malformed-request', 'expected authcid NUL hashed token');
    }
    const authcid = decodeUtf8(response.subarray(0, nul));
    const proof = response.subarray(nul + 1);
    const username = prepareUsername(authcid);
    this.username = username;
    const cbData = this.cbType === undefined ? Buffer.alloc(0) : channelBindingData(this.ctx.channelBinding, this.cbType);
    const initiator = Buffer.concat([Buffer.from('Initiator'), cbData]);
    let token: Buffer | undefined;
    try {
      token = await this.tokens.find(username, (t) => safeEqual(hmac('sha256', t, initiator), proof));
    } catch (err) {
      if (err instanceof SaslFailure) throw err;
      throw new SaslFailure('temporary-auth-failure');
    }
    if (!token || username === undefined) throw new SaslFailure('not-authorized');
    // draft §3.3: the responder's proof, HMAC(token, "Responder" || cb-data).
    const responder = hmac('sha256', token, Buffer.concat([Buffer.from('Responder'), cbData]));
    return { success: { username, additionalData: responder } };
  }
}
