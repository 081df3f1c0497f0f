// Account operations shared by the CLI and (later) in-band registration: validation of the
// username, password rules, and SCRAM credential derivation. Passwords never reach storage.
import { Jid, JidError } from '../xmpp/jid.js';
import { deriveCredentials } from '../xmpp/sasl/credentials.js';
import type { Storage } from '../storage/types.js';

export class AccountError extends Error {}

export const MAX_PASSWORD_LENGTH = 1024;

/** Parses user@host, checking that the host is served and the username is valid. */
export function parseAccountJid(input: string, hosts: readonly string[]): Jid {
  let jid: Jid;
  try {
    jid = Jid.parse(input);
  } catch (err) {
    if (err instanceof JidError) throw new AccountError(`'${input}' is not a valid address: ${err.message}`);
    throw err;
  }
  if (!jid.local || !jid.isBare) throw new AccountError(`'${input}' is not an account address (expected user@host)`);
  if (!hosts.includes(jid.domain)) throw new AccountError(`'${jid.domain}' is not a host of this server (configured: ${hosts.join(', ')})`);
  return jid;
}

export function checkPassword(password: string): void {
  if (password.length === 0) throw new AccountError('the password must not be empty');
  if (password.length > MAX_PASSWORD_LENGTH) throw new AccountError(`the password is longer than ${MAX_PASSWORD_LENGTH} characters`);
}

async function credentialsFor(password: string, iterations: number): Promise<Awaited<ReturnType<typeof deriveCredentials>>> {
  checkPassword(password);
  try {
    return await deriveCredentials(password, iterations);
  } catch (err) {
    throw new AccountError(`the password cannot be used: ${(err as Error).message}`);
  }
}

export async function createAccount(storage: Storage, jid: Jid, password: string, iterations: number): Promise<void> {
  const credentials = await credentialsFor(password, iterations);
  if (!(await storage.accounts.create(jid.domain, jid.local, credentials))) {
    throw new AccountError(`the account ${jid.bare} exists already`);
  }
}

export async function changePassword(storage: Storage, jid: Jid, password: string, iterations: number): Promise<void> {
  const credentials = await credentialsFor(password, iterations);
  if (!(await storage.accounts.setCredentials(jid.domain, jid.local, credentials))) {
    throw new AccountError(`there is no account ${jid.bare}`);
  }
}

export async function deleteAccount(storage: Storage, jid: Jid): Promise<void> {
  if (!(await storage.accounts.delete(jid.domain, jid.local))) throw new AccountError(`there is no account ${jid.bare}`);
}
