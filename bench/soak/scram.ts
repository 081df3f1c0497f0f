// SCRAM-SHA-256 for the soak clients (RFC 5802, RFC 7677), without channel binding. The salted
// password of a (password, salt, iterations) triple is derived once and kept: every soak account
// shares one credential set, so thousands of logins cost one PBKDF2 on the load side.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);
const salted = new Map<string, Promise<Buffer>>();

function saltedPassword(password: string, salt: string, iterations: number): Promise<Buffer> {
  const key = `${salt}\u0000${iterations}\u0000${password}`;
  let p = salted.get(key);
  if (!p) {
    p = pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
    salted.set(key, p);
  }
  return p;
}

const hmac = (key: Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** One exchange. The username must need no escaping (soak accounts are u<number>). */
export class Scram {
  private readonly nonce = randomBytes(18).toString('base64');
  private readonly firstBare: string;
  private serverSignature: Buffer | undefined;

  constructor(username: string, private readonly password: string) {
    this.firstBare = `n=${username},r=${this.nonce}`;
  }

  /** The initial response, base64. */
  first(): string {
    return Buffer.from(`n,,${this.firstBare}`).toString('base64');
  }

  /** The answer to the server-first-message (both base64). */
  async final(challenge: string): Promise<string> {
    const serverFirst = Buffer.from(challenge, 'base64').toString('utf8');
    const attrs = new Map(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce?.startsWith(this.nonce) || !salt || !Number.isInteger(iterations)) throw new Error('bad server-first-message');
    const key = await saltedPassword(this.password, salt, iterations);
    const clientKey = hmac(key, 'Client Key');
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.firstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(createHash('sha256').update(clientKey).digest(), authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
    this.serverSignature = hmac(hmac(key, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`).toString('base64');
  }

  /** Checks the ServerSignature of the success payload (base64); throws on a mismatch. */
  verify(success: string): void {
    const text = Buffer.from(success, 'base64').toString('utf8');
    const got = text.startsWith('v=') ? Buffer.from(text.slice(2).split(',')[0]!, 'base64') : Buffer.alloc(0);
    if (!this.serverSignature || got.length !== this.serverSignature.length || !timingSafeEqual(got, this.serverSignature)) {
      throw new Error('server signature mismatch');
    }
  }
}
