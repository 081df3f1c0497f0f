// PLAIN (RFC 4616), only over TLS (RFC 6120 §6.5.4 encryption-required otherwise), checked
// against the stored SCRAM-SHA-256 keys with one async PBKDF2. Unknown accounts cost the same
// PBKDF2 on a fake credential so timing does not tell them apart.
import type { ScramCredential } from '../../storage/types.js';
import { SaslFailure } from '../errors.js';
import { authzidAllowed, decodeUtf8, fakeCredential, prepareUsername, preparePassword, verifyPlainPassword } from './credentials.js';
import { DEFAULT_FAKE_ITERATIONS, type MechanismOptions, type SaslContext, type SaslMechanism, type SaslStepResult } from './types.js';

export class PlainServer implements SaslMechanism {
  readonly name = 'PLAIN';
  private phase: 'start' | 'done' = 'start';
  username: string | undefined;
  authzid: string | undefined;

  constructor(private readonly ctx: SaslContext, private readonly options: MechanismOptions = {}) {}

  async step(response: Buffer): Promise<SaslStepResult> {
    const phase = this.phase;
    this.phase = 'done';
    if (phase === 'done') throw new SaslFailure('malformed-request', 'the authentication exchange is over');
    if (!this.ctx.secure) throw new SaslFailure('encryption-required');

    // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
    const parts = decodeUtf8(response).split('\0');
    if (parts.length !== 3) throw new SaslFailure('malformed-request', 'expected authzid NUL authcid NUL password');
    const [authzid, authcid, password] = parts as [string, string, string];
    if (authcid === '' || password === '') throw new SaslFailure('malformed-request', 'empty authcid or password');
    try {
      preparePassword(password, 'query');
    } catch {
      throw new SaslFailure('incorrect-encoding', 'password not allowed by SASLprep');
    }

    const username = prepareUsername(authcid);
    this.username = username;
    this.authzid = authzid;
    if (username !== undefined && !authzidAllowed(authzid, username, this.ctx.domain)) {
      throw new SaslFailure('invalid-authzid');
    }
    let stored: ScramCredential | undefined;
    try {
      stored = username === undefined ? undefined : (await this.ctx.lookup(username))?.sha256;
    } catch {
      throw new SaslFailure('temporary-auth-failure');
    }
    const cred = stored ?? fakeCredential(this.ctx.fakeSaltSecret, username ?? authcid, 'sha256',
      this.options.fakeIterations ?? DEFAULT_FAKE_ITERATIONS);
    const ok = await verifyPlainPassword(password, cred, 'sha256');
    if (!ok || stored === undefined || username === undefined) throw new SaslFailure('not-authorized');
    return { success: { username } };
  }
}
