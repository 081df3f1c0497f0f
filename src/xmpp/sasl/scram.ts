// SCRAM server side: RFC 5802 (SCRAM-SHA-1), RFC 7677 (SCRAM-SHA-256) and their -PLUS variants
// with channel binding (RFC 5929 tls-server-end-point, RFC 9266 tls-exporter, advertised per
// XEP-0440), plus the XEP-0474 downgrade-protection attribute in the server-first-message.
// Verification uses only the stored StoredKey and ServerKey; unknown accounts run the same
// exchange on a fake credential and fail only at the end, indistinguishable from a wrong password.
import { randomBytes } from 'node:crypto';
import type { ScramCredential, ScramHash } from '../../storage/types.js';
import { SaslFailure } from '../errors.js';
import {
  HASH_BYTES, authzidAllowed, channelBindingData, decodeUtf8, digest, fakeCredential, hmac, prepareUsername, safeEqual,
} from './credentials.js';
import {
  DEFAULT_FAKE_ITERATIONS, type ChannelBindingType, type MechanismOptions, type SaslContext,
  type SaslMechanism, type SaslStepResult,
} from './types.js';

const NONCE_BYTES = 18;
const CB_TYPES: readonly string[] = ['tls-exporter', 'tls-server-end-point'] satisfies ChannelBindingType[];

// RFC 5802 §7 grammar pieces.
const GS2_HEADER = /^(n|y|p=([A-Za-z0-9.-]+)),(?:a=([^,]*))?,/;
const SASLNAME = /^(?:[^\0,=]|=2C|=3D)+$/;
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EXTENSION = /^[A-Za-z]=[^,]+$/;

export function scramMechanismName(hash: ScramHash, plus: boolean): string {
  return `SCRAM-${hash === 'sha1' ? 'SHA-1' : 'SHA-256'}${plus ? '-PLUS' : ''}`;
}

/** "i;octet" ordering (RFC 4790 §9.3): compare the UTF-8 bytes. */
function octetSort(values: readonly string[]): string[] {
  return [...values].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/**
 * XEP-0474 §"Server Sends Downgrade Protection Hash": S = sorted mechanisms joined by %x1E; when
 * XEP-0440 was used (non-empty list), %x1F and the sorted channel-binding types joined by %x1E;
 * then base64(H(S)) with the hash of the SCRAM mechanism in use.
 */
export function downgradeProtectionHash(hash: ScramHash, mechanisms: readonly string[], channelBindings: readonly string[]): string {
  // A server offers a handful of distinct lists, so the answer is kept (bounded) per list.
  const key = `${hash}\x1d${mechanisms.join('\x1e')}\x1d${channelBindings.join('\x1e')}`;
  let value = downgradeHashes.get(key);
  if (value === undefined) {
    let s = octetSort(mechanisms).join('\x1e');
    if (channelBindings.length > 0) s += '\x1f' + octetSort(channelBindings).join('\x1e');
    value = digest(hash, Buffer.from(s, 'utf8')).toString('base64');
    if (downgradeHashes.size >= 64) downgradeHashes.clear();
    downgradeHashes.set(key, value);
  }
  return value;
}

const downgradeHashes = new Map<string, string>();

function malformed(text: string): SaslFailure {
  return new SaslFailure('malformed-request', text);
}

function decodeBase64(value: string, what: string): Buffer {
  if (!BASE64.test(value)) throw malformed(`${what} is not valid base64`);
  return Buffer.from(value, 'base64');
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** What survives between the two client messages. */
interface Pending {
  gs2Header: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
  /** Prepared localpart; undefined when the name could not be prepared (then never succeeds). */
  username: string | undefined;
  /** The account exists; false means `cred` is a fake. */
  known: boolean;
  cred: ScramCredential;
  cbType: ChannelBindingType | undefined;
}

export class ScramServer implements SaslMechanism {
  readonly name: string;
  private phase: 'start' | 'waiting-final' | 'done' = 'start';
  private pending: Pending | undefined;
  username: string | undefined;
  authzid: string | undefined;

  constructor(
    private readonly hash: ScramHash,
    private readonly plus: boolean,
    private readonly ctx: SaslContext,
    private readonly options: MechanismOptions = {},
  ) {
    this.name = scramMechanismName(hash, plus);
  }

  async step(response: Buffer): Promise<SaslStepResult> {
    const phase = this.phase;
    this.phase = 'done'; // any throw below ends the exchange
    if (phase === 'done') throw malformed('the authentication exchange is over');
    // -PLUS needs TLS to bind to (RFC 6120 §6.5.4 encryption-required).
    if (this.plus && !this.ctx.secure) throw new SaslFailure('encryption-required');
    if (phase === 'start') {
      const result = await this.clientFirst(decodeUtf8(response));
      this.phase = 'waiting-final';
      return result;
    }
    const pending = this.pending!;
    this.pending = undefined;
    return this.clientFinal(decodeUtf8(response), pending);
  }

  /** RFC 5802 §5.1/§7: gs2-header client-first-message-bare -> server-first-message. */
  private async clientFirst(text: string): Promise<SaslStepResult> {
    const gs2 = GS2_HEADER.exec(text);
    if (!gs2) throw malformed('bad GS2 header');
    const gs2Header = gs2[0];
    const rawAuthzid = gs2[3];
    const cbType = this.checkChannelBindingFlag(gs2[1]!, gs2[2]);

    const clientFirstBare = text.slice(gs2Header.length);
    const attrs = clientFirstBare.split(',');
    // RFC 5802 §5.1: a mandatory extension ("m=") we do not know must fail the exchange.
    if (attrs[0]?.startsWith('m=')) throw malformed('unsupported mandatory extension');
    const [userAttr, nonceAttr, ...extensions] = attrs;
    if (!userAttr?.startsWith('n=') || !nonceAttr?.startsWith('r=')) throw malformed('expected n= and r= attributes');
    if (!extensions.every((e) => EXTENSION.test(e))) throw malformed('bad extension attribute');
    const clientNonce = nonceAttr.slice(2);
    if (!PRINTABLE.test(clientNonce)) throw malformed('bad nonce');

    const rawUser = userAttr.slice(2);
    if (!SASLNAME.test(rawUser)) throw malformed('bad username encoding');
    if (rawAuthzid !== undefined && !SASLNAME.test(rawAuthzid)) throw malformed('bad authzid encoding');
    const decodedUser = unescapeSaslname(rawUser);
    this.authzid = unescapeSaslname(rawAuthzid ?? '');
    const username = prepareUsername(decodedUser);
    this.username = username;
    // An unpreparable name is treated as an unknown account (checked for authzid only when valid).
    if (username !== undefined && !authzidAllowed(this.authzid, username, this.ctx.domain)) {
      throw new SaslFailure('invalid-authzid');
    }

    const stored = username === undefined ? undefined : await this.lookup(username);
    const cred = stored ?? fakeCredential(this.ctx.fakeSaltSecret, username ?? decodedUser, this.hash,
      this.options.fakeIterations ?? DEFAULT_FAKE_ITERATIONS);
    const nonce = clientNonce + (this.options.randomNonce?.() ?? randomBytes(NONCE_BYTES).toString('base64'));
    let serverFirst = `r=${nonce},s=${cred.salt.toString('base64')},i=${cred.iterations}`;
    if (this.options.downgradeProtection !== false) {
      serverFirst += `,h=${downgradeProtectionHash(this.hash, this.ctx.offeredMechanisms, this.ctx.offeredChannelBindings)}`;
    }
    this.pending = { gs2Header, clientFirstBare, serverFirst, nonce, username, known: stored !== undefined, cred, cbType };
    return { challenge: Buffer.from(serverFirst, 'utf8') };
  }

  /** RFC 5802 §6 and XEP-0440: the gs2-cbind-flag must fit the mechanism and this connection. */
  private checkChannelBindingFlag(flag: string, cbName: string | undefined): ChannelBindingType | undefined {
    if (cbName !== undefined) {
      if (!this.plus) throw malformed('channel binding requested with a mechanism without -PLUS');
      if (!CB_TYPES.includes(cbName) || !this.ctx.channelBinding[cbName as ChannelBindingType]) {
        throw malformed('unsupported channel-binding type');
      }
      return cbName as ChannelBindingType;
    }
    if (this.plus) throw malformed('a -PLUS mechanism requires channel binding (p=)');
    // "y": the client could bind but believes we cannot; we offered -PLUS, so someone stripped it.
    if (flag === 'y' && this.ctx.offeredMechanisms.some((m) => m.endsWith('-PLUS'))) {
      throw new SaslFailure('not-authorized', 'channel binding downgrade detected');
    }
    return undefined;
  }

  private async lookup(username: string): Promise<ScramCredential | undefined> {
    try {
      return (await this.ctx.lookup(username))?.[this.hash];
    } catch {
      throw new SaslFailure('temporary-auth-failure');
    }
  }

  /** RFC 5802 §5.1/§3: client-final-message -> server-final-message ("v=" ServerSignature). */
  private clientFinal(text: string, p: Pending): SaslStepResult {
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw malformed('missing proof');
    const withoutProof = text.slice(0, proofAt);
    const [cbAttr, nonceAttr, ...extensions] = withoutProof.split(',');
    if (!cbAttr?.startsWith('c=') || !nonceAttr?.startsWith('r=')) throw malformed('expected c= and r= attributes');
    if (!extensions.every((e) => EXTENSION.test(e))) throw malformed('bad extension attribute');
    const proof = decodeBase64(text.slice(proofAt + 3), 'proof');
    if (proof.length !== HASH_BYTES[this.hash]) throw malformed('proof has the wrong length');
    const cbInput = decodeBase64(cbAttr.slice(2), 'channel binding');
    if (nonceAttr.slice(2) !== p.nonce) throw malformed('nonce mismatch');

    if (!safeEqual(cbInput, this.expectedBinding(p))) {
      throw new SaslFailure('not-authorized', 'channel binding mismatch');
    }
    const authMessage = `${p.clientFirstBare},${p.serverFirst},${withoutProof}`;
    const clientKey = xor(proof, hmac(this.hash, p.cred.storedKey, authMessage));
    const proofOk = safeEqual(digest(this.hash, clientKey), p.cred.storedKey);
    if (!proofOk || !p.known || p.username === undefined) throw new SaslFailure('not-authorized');
    const serverSignature = hmac(this.hash, p.cred.serverKey, authMessage);
    return {
      success: { username: p.username, additionalData: Buffer.from(`v=${serverSignature.toString('base64')}`) },
    };
  }

  /** RFC 5802 §7: c= carries base64(gs2-header [cbind-data]). */
  private expectedBinding(p: Pending): Buffer {
    const header = Buffer.from(p.gs2Header, 'utf8');
    if (!p.cbType) return header;
    return Buffer.concat([header, channelBindingData(this.ctx.channelBinding, p.cbType)]);
  }
}

/** RFC 5802 §5.1: "=2C" and "=3D" stand for "," and "=". */
function unescapeSaslname(value: string): string {
  return value.replace(/=2C|=3D/g, (m) => (m === '=2C' ? ',' : '='));
}
