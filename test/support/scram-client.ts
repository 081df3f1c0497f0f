// Client side of SCRAM (RFC 5802, RFC 7677) with channel binding and the XEP-0474 check, for
// tests: @xmpp/client lacks SCRAM-SHA-256 and -PLUS. Written separately from the server code
// (it shares nothing with src/) so that the two check each other.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import saslprep from '@mongodb-js/saslprep';

const pbkdf2Async = promisify(pbkdf2);

export type ScramClientBinding = { flag: 'n' } | { flag: 'y' } | { flag: 'p'; type: string; data: Buffer };

export interface ScramClientOptions {
  hash: 'sha1' | 'sha256';
  username: string;
  password: string;
  authzid?: string;
  /** gs2 cb flag: 'n' (no binding), 'y' (client supports but thinks server doesn't), or a binding type with its data */
  binding?: ScramClientBinding;
  /** if given, verify XEP-0474 downgrade attribute against these */
  expectOffer?: { mechanisms: string[]; channelBindings: string[] };
  /** Fixed client nonce (to replay the RFC test vectors); random otherwise. */
  nonce?: string;
  /**
   * Derives the SaltedPassword (RFC 5802 §3, Hi()); PBKDF2 by default. A load generator that logs
   * thousands of accounts in with one credential set passes a memoising one.
   */
  derive?: SaltedPasswordFn;
}

export type SaltedPasswordFn = (password: string, salt: Buffer, iterations: number, length: number, hash: 'sha1' | 'sha256') => Promise<Buffer>;

/** Hi() as RFC 5802 defines it: PBKDF2 over the SASLprepped password. */
export const pbkdf2SaltedPassword: SaltedPasswordFn = (password, salt, iterations, length, hash) =>
  pbkdf2Async(Buffer.from(saslprep(password), 'utf8'), salt, iterations, length, hash);

function escapeName(value: string): string {
  return value.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export class ScramClient {
  private readonly gs2Header: string;
  private readonly clientFirstBare: string;
  private readonly nonce: string;
  private serverSignature: Buffer | undefined;

  constructor(private readonly opts: ScramClientOptions) {
    const binding = opts.binding ?? { flag: 'n' };
    const flag = binding.flag === 'p' ? `p=${binding.type}` : binding.flag;
    const authzid = opts.authzid === undefined ? '' : `a=${escapeName(opts.authzid)}`;
    this.gs2Header = `${flag},${authzid},`;
    this.nonce = opts.nonce ?? randomBytes(18).toString('base64');
    this.clientFirstBare = `n=${escapeName(opts.username)},r=${this.nonce}`;
  }

  /** client-first-message (the SASL initial response). */
  first(): Buffer {
    return Buffer.from(this.gs2Header + this.clientFirstBare, 'utf8');
  }

  /** Checks the server-first-message and answers with the client-final-message. */
  async final(serverFirst: Buffer): Promise<Buffer> {
    const text = serverFirst.toString('utf8');
    const attrs = text.split(',');
    const get = (i: number, key: string): string => {
      const a = attrs[i];
      if (!a?.startsWith(`${key}=`)) throw new Error(`server-first-message: expected ${key}= at position ${i}`);
      return a.slice(key.length + 1);
    };
    const nonce = get(0, 'r');
    const salt = Buffer.from(get(1, 's'), 'base64');
    const iterText = get(2, 'i');
    if (!/^[1-9][0-9]*$/.test(iterText)) throw new Error('server-first-message: bad iteration count');
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) {
      throw new Error('server-first-message: nonce does not extend ours');
    }
    const extensions = new Map(attrs.slice(3).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));

    if (this.opts.expectOffer) {
      // XEP-0474: H(sorted mechanisms joined by 0x1E [0x1F sorted cb types joined by 0x1E]), base64.
      const byOctets = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
      let s = [...this.opts.expectOffer.mechanisms].sort(byOctets).join('\u001e');
      const cbs = this.opts.expectOffer.channelBindings;
      if (cbs.length > 0) s += '\u001f' + [...cbs].sort(byOctets).join('\u001e');
      const expected = createHash(this.opts.hash).update(s, 'utf8').digest('base64');
      const got = extensions.get('h');
      if (got === undefined) throw new Error('XEP-0474: server-first-message has no downgrade-protection attribute');
      if (got !== expected) throw new Error('XEP-0474: downgrade-protection hash mismatch (offer tampered with)');
    }

    const len = this.opts.hash === 'sha1' ? 20 : 32;
    const mac = (key: Buffer, data: string): Buffer => createHmac(this.opts.hash, key).update(data, 'utf8').digest();
    const salted = await (this.opts.derive ?? pbkdf2SaltedPassword)(this.opts.password, salt, Number(iterText), len, this.opts.hash);
    const clientKey = mac(salted, 'Client Key');
    const storedKey = createHash(this.opts.hash).update(clientKey).digest();

    const binding = this.opts.binding;
    const cbData = binding?.flag === 'p' ? Buffer.concat([Buffer.from(this.gs2Header), binding.data]) : Buffer.from(this.gs2Header);
    const withoutProof = `c=${cbData.toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const signature = mac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
    this.serverSignature = mac(mac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks the server-final-message ("v=" ServerSignature); throws on an error or a mismatch. */
  verifyServerFinal(serverFinal: Buffer): void {
    if (!this.serverSignature) throw new Error('final() has not been called');
    const text = serverFinal.toString('utf8');
    if (text.startsWith('e=')) throw new Error(`server error: ${text.slice(2)}`);
    const v = text.split(',')[0];
    if (!v?.startsWith('v=')) throw new Error('server-final-message: expected v=');
    const got = Buffer.from(v.slice(2), 'base64');
    if (got.length !== this.serverSignature.length || !timingSafeEqual(got, this.serverSignature)) {
      throw new Error('server-final-message: server signature mismatch');
    }
  }
}
