// SCRAM credentials (RFC 5802 §3, RFC 7677 §3) and the identity rules the SASL mechanisms share:
// password preparation with SASLprep (RFC 4013), username preparation (RFC 5802 §5.1 escapes,
// then the JID localpart rules of RFC 7622), authzid checks (RFC 6120 §6.3.8), fake
// credentials for accounts that do not exist, and the connection's channel-binding data.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { Credentials, ScramCredential, ScramHash } from '../../storage/types.js';
import { Jid, prepLocal } from '../jid.js';
import { SaslFailure } from '../errors.js';
import type { ChannelBindingType } from './types.js';

const pbkdf2Async = promisify(pbkdf2);

export const SCRAM_HASHES: readonly ScramHash[] = ['sha1', 'sha256'];
/** Output length of each hash in bytes. */
export const HASH_BYTES: Readonly<Record<ScramHash, number>> = { sha1: 20, sha256: 32 };
/** RFC 7677 §4 and RFC 5802 §5.1: the iteration count should be at least 4096. */
export const MIN_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * SASLprep (RFC 4013). 'stored' strings may not contain unassigned code points, 'query'
 * strings may (RFC 3454 §7). Throws an Error when the string is prohibited or empty after it.
 */
export function preparePassword(password: string, mode: 'stored' | 'query'): string {
  const prepared = saslPrep(password, mode === 'query');
  if (prepared.length === 0) throw new Error('password is empty after SASLprep');
  return prepared;
}

/**
 * SASLprep, skipped for printable ASCII, which it returns unchanged: its mappings (RFC 4013 §2.1,
 * §2.2) and prohibited output (§2.3) outside ASCII controls, and the bidirectional rules (§2.4),
 * concern non-ASCII characters only. Nearly every name and many passwords are printable ASCII.
 */
export function saslPrep(input: string, allowUnassigned: boolean): string {
  return PRINTABLE_ASCII.test(input) ? input : saslprepTables()(input, { allowUnassigned });
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

type Saslprep = (input: string, opts?: { allowUnassigned?: boolean }) => string;
let fullSaslprep: Saslprep | undefined;

/**
 * The SASLprep implementation with its RFC 3454 tables, loaded for the first string that is not
 * printable ASCII: its code-point bitfields alone take 1.5 MiB of heap, and many servers never
 * see such a name or password.
 */
function saslprepTables(): Saslprep {
  return (fullSaslprep ??= createRequire(import.meta.url)('@mongodb-js/saslprep') as Saslprep);
}

export function hmac(hash: ScramHash, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}

export function digest(hash: ScramHash, data: Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

/** Constant-time comparison that is false (not a throw) for different lengths. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i), on the libuv pool. */
function saltedPassword(prepared: string, salt: Buffer, iterations: number, hash: ScramHash): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(prepared, 'utf8'), salt, iterations, HASH_BYTES[hash], hash);
}

/** StoredKey and ServerKey (RFC 5802 §3) for an already SASLprepped password. */
export async function computeScramCredential(
  preparedPassword: string, salt: Buffer, iterations: number, hash: ScramHash,
): Promise<ScramCredential> {
  const salted = await saltedPassword(preparedPassword, salt, iterations, hash);
  const clientKey = hmac(hash, salted, 'Client Key');
  return {
    salt: Buffer.from(salt),
    iterations,
    storedKey: digest(hash, clientKey),
    serverKey: hmac(hash, salted, 'Server Key'),
  };
}

/**
 * Derives the stored SCRAM keys for a new password: SASLprep with the stored-string rules,
 * a fresh 16-byte salt per hash, async PBKDF2. The password itself is never kept.
 */
export async function deriveCredentials(password: string, iterations: number): Promise<Credentials> {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS) {
    throw new Error(`SCRAM iteration count must be an integer of at least ${MIN_ITERATIONS}`);
  }
  let prepared: string;
  try {
    prepared = preparePassword(password, 'stored');
  } catch (err) {
    throw new Error(`password not allowed by SASLprep (RFC 4013): ${(err as Error).message}`);
  }
  const [sha1, sha256] = await Promise.all([
    computeScramCredential(prepared, randomBytes(SALT_BYTES), iterations, 'sha1'),
    computeScramCredential(prepared, randomBytes(SALT_BYTES), iterations, 'sha256'),
  ]);
  return { sha1, sha256 };
}

/**
 * Checks a plaintext password (PLAIN, RFC 4616) against a stored credential: SASLprep with the
 * query rules, one async PBKDF2, and a constant-time StoredKey comparison. A password that
 * SASLprep refuses can never match and yields false.
 */
export async function verifyPlainPassword(password: string, cred: ScramCredential, hash: ScramHash): Promise<boolean> {
  let prepared: string;
  try {
    prepared = preparePassword(password, 'query');
  } catch {
    return false;
  }
  const salted = await saltedPassword(prepared, cred.salt, cred.iterations, hash);
  const storedKey = digest(hash, hmac(hash, salted, 'Client Key'));
  return safeEqual(storedKey, cred.storedKey);
}

/**
 * A deterministic stand-in credential for an account that does not exist: the salt is
 * HMAC(secret, hash, username) so repeated attempts see the same salt, as for a real account,
 * and the hash name keeps the SHA-1 and SHA-256 salts apart, as real salts are. The keys are
 * secret-derived too, so no proof can match them (the mechanisms also refuse explicitly).
 */
export function fakeCredential(secret: Buffer, username: string, hash: ScramHash, iterations: number): ScramCredential {
  const derive = (label: string, bytes: number): Buffer =>
    hmac('sha256', secret, `${label}\0${hash}\0${username}`).subarray(0, bytes);
  return {
    salt: derive('salt', SALT_BYTES),
    iterations,
    storedKey: derive('stored-key', HASH_BYTES[hash]),
    serverKey: derive('server-key', HASH_BYTES[hash]),
  };
}

/**
 * Prepares a SASL authentication identity into a JID localpart: SASLprep (query rules) as the
 * SASL profiles ask, then PRECIS UsernameCaseMapped (RFC 7622 §3.3). Undefined when either
 * refuses it; callers treat that exactly like an unknown account.
 */
export function prepareUsername(name: string): string | undefined {
  try {
    return prepLocal(saslPrep(name, true));
  } catch {
    return undefined;
  }
}

/** RFC 6120 §6.3.8: an authzid must be absent or the bare JID of the authenticated account. */
export function authzidAllowed(authzid: string, username: string, domain: string): boolean {
  if (authzid === '') return true;
  const requested = Jid.tryParse(authzid);
  if (!requested) return false;
  try {
    return requested.full === Jid.of(username, domain).bare;
  } catch {
    return false;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a SASL message as strict UTF-8; a bad sequence is incorrect-encoding (RFC 6120 §6.5.2). */
export function decodeUtf8(data: Buffer): string {
  try {
    return UTF8.decode(data);
  } catch {
    throw new SaslFailure('incorrect-encoding', 'message is not valid UTF-8');
  }
}

/**
 * The channel-binding data of `type` on this connection (RFC 5929, RFC 9266); a connection that
 * cannot give it fails the exchange with temporary-auth-failure.
 */
export function channelBindingData(bindings: Partial<Record<ChannelBindingType, () => Buffer>>, type: ChannelBindingType): Buffer {
  let data: Buffer | undefined;
  try {
    data = bindings[type]?.();
  } catch {
    data = undefined;
  }
  if (!data) throw new SaslFailure('temporary-auth-failure');
  return data;
}
