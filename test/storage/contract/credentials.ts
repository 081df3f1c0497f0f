// Test credentials with key bytes no backend may treat as text.
import { randomBytes } from 'node:crypto';
import type { Credentials, ScramCredential } from '../../../src/storage/types.js';

/** Key bytes that include 0x00 and 0xff, so no backend may treat them as text. */
function key(len: number): Buffer {
  const b = randomBytes(len);
  b[0] = 0x00;
  b[1] = 0xff;
  b[len - 1] = 0x00;
  return b;
}

function scram(hashLen: number, iterations: number): ScramCredential {
  return { salt: key(16), iterations, storedKey: key(hashLen), serverKey: key(hashLen) };
}

export function makeCredentials(iterations = 4096): Credentials {
  return { sha1: scram(20, iterations), sha256: scram(32, iterations + 1) };
}
