// The rules a new username and password must meet (XEP-0077 §3.1, §3.3), as stanza errors.
// Usernames are prepared exactly as SASL prepares an authentication identity (SASLprep, then
// the JID localpart rules of RFC 7622 §3.3), so the name registered is the name that logs in.
import { StanzaError } from '../../xmpp/errors.js';
import { deriveCredentials, prepareUsername } from '../../xmpp/sasl/credentials.js';
import type { Credentials } from '../../storage/types.js';

/** Longest password accepted, in characters (the CLI's limit too). */
export const MAX_PASSWORD_LENGTH = 1024;

/** The prepared localpart for a requested username; jid-malformed when it cannot be one. */
export function newUsername(raw: string): string {
  const prepared = prepareUsername(raw.trim());
  if (prepared === undefined) {
    throw new StanzaError('jid-malformed', 'the username is not a valid JID localpart (RFC 7622 §3.3)');
  }
  return prepared;
}

/** Length limits; not-acceptable when the password is too short or too long. */
export function checkPassword(password: string, minLength: number): void {
  const length = [...password].length;
  if (length < minLength) throw new StanzaError('not-acceptable', `the password must have at least ${minLength} characters`);
  if (length > MAX_PASSWORD_LENGTH) throw new StanzaError('not-acceptable', `the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
}

/** SCRAM credentials for a password; not-acceptable when SASLprep (RFC 4013) refuses it. */
export async function credentialsFor(password: string, iterations: number): Promise<Credentials> {
  try {
    return await deriveCredentials(password, iterations);
  } catch {
    throw new StanzaError('not-acceptable', 'the password contains characters that are not allowed (RFC 4013)');
  }
}
