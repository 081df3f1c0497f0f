// FAST (XEP-0484): tokens for one client installation (its SASL2 user-agent id), issued inside a
// SASL2 login and used later with an HT mechanism. Each client has two places (XEP-0484
// §"Server-side handling of multiple active tokens"): 'new' (issued, not used yet) and 'current'.
// A token is never stored: storage keeps a random seed, and the token is a keyed hash of the seed
// (and of whom and what it is for) under a key derived from the server secret, which lives in the
// data folder and not in the database.
import { createHmac, randomBytes } from 'node:crypto';
import { SaslFailure } from '../../../xmpp/errors.js';
import { NS } from '../../../xmpp/ns.js';
import { xml, type Element } from '../../../xmpp/xml.js';
import type { HtTokens } from '../../../xmpp/sasl/index.js';
import type { Credentials, FastToken, FastTokenStore } from '../../../storage/types.js';

const SEED_BYTES = 32;

/** Who a token is for. */
export interface TokenOwner {
  readonly host: string;
  readonly username: string;
  readonly clientId: string;
  readonly mechanism: string;
}

/** The key tokens are derived with: apart from other uses of the server secret. */
export function fastKey(serverSecret: Buffer): Buffer {
  return createHmac('sha256', serverSecret).update('starling FAST token key').digest();
}

/** The token of a seed: 256 bits, base64url, bound to its owner and mechanism. */
export function tokenOf(key: Buffer, owner: TokenOwner, seed: Buffer): string {
  const mac = createHmac('sha256', key);
  for (const part of [owner.host, owner.username, owner.clientId, owner.mechanism]) mac.update(part).update('\0');
  return mac.update(seed).digest('base64url');
}

/** XEP-0082 DateTime, whole seconds. */
function dateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The tokens one HT login may use: those of `clientId` for `mechanism` (XEP-0484 §"Client
 * authenticates using FAST": a token works only with the mechanism it was issued for). Remembers
 * the token that matched. The account is looked up first (`lookup`, which notes the stamp of its
 * credentials for the session): a password change revokes the tokens in the same transaction
 * that writes the credentials, so a token still found was granted under credentials no newer
 * than those, and a change in between ends the session when the server notices it.
 */
export class FastLogin implements HtTokens {
  used: FastToken | undefined;

  constructor(
    private readonly store: FastTokenStore,
    private readonly key: Buffer,
    private readonly host: string,
    private readonly clientId: string | undefined,
    private readonly mechanism: string,
    private readonly now: () => Date,
    private readonly lookup: (username: string) => Promise<Credentials | undefined>,
  ) {}

  async find(username: string | undefined, proves: (token: Buffer) => boolean): Promise<Buffer | undefined> {
    const clientId = this.clientId;
    const exists = username !== undefined && clientId !== undefined && (await this.lookup(username)) !== undefined;
    const candidates = !exists ? []
      : (await this.store.list(this.host, username, clientId)).filter((t) => t.mechanism === this.mechanism);
    // An unknown user, client or token costs the same hashing as a wrong one.
    if (candidates.length === 0) proves(Buffer.from(tokenOf(this.key, { host: this.host, username: '', clientId: '', mechanism: '' }, randomBytes(SEED_BYTES))));
    let match: { token: FastToken; key: Buffer } | undefined;
    for (const token of candidates) {
      const key = Buffer.from(tokenOf(this.key, token, token.seed), 'utf8');
      if (proves(key)) match ??= { token, key };
    }
    if (!match) return undefined;
    if (match.token.expires.getTime() <= this.now().getTime()) {
      // §"Business Rules": a token no longer trusted fails with credentials-expired.
      await this.store.revoke(this.host, match.token.username, match.token.clientId, match.token.slot);
      throw new SaslFailure('credentials-expired', 'the token has expired');
    }
    this.used = match.token;
    return match.key;
  }
}

export interface FastRequest {
  readonly clientId: string | undefined;
  /** <fast invalidate='true'/>: revoke the token used. */
  readonly invalidate: boolean;
  /** <request-token mechanism/>. */
  readonly requestToken: string | undefined;
}

/**
 * After a successful SASL2 login: the token used (if any) becomes current, or is revoked when
 * the client asked (§"Client requests token invalidation", with the client's other token too:
 * the client is logging out); then a new token when asked for, or when the one used is in the
 * second half of its life (§"Server initiates token rotation"). Returns the <token/> for
 * <success/>, if any.
 */
export async function afterFastLogin(
  store: FastTokenStore, key: Buffer, owner: { host: string; username: string }, request: FastRequest,
  used: FastToken | undefined, lifetimeS: number, now: Date,
): Promise<Element | undefined> {
  if (used && request.invalidate) await store.revoke(used.host, used.username, used.clientId);
  else if (used?.slot === 'new') await store.promote(used.host, used.username, used.clientId, used.seed);
  const lifetimeMs = lifetimeS * 1000;
  const rotate = used !== undefined && !request.invalidate && used.expires.getTime() - now.getTime() < lifetimeMs / 2;
  const mechanism = request.requestToken ?? (rotate && used ? used.mechanism : undefined);
  const clientId = request.clientId;
  if (mechanism === undefined || clientId === undefined) return undefined;
  const created = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const expires = new Date(created.getTime() + lifetimeMs);
  const seed = randomBytes(SEED_BYTES);
  const tokenOwner = { ...owner, clientId, mechanism };
  // §"Server initiates token rotation": the new token goes to the 'new' place; the one in use
  // stays valid until the new one is used.
  await store.issue({ ...tokenOwner, seed, created, expires });
  return xml('token', { xmlns: NS.FAST, expiry: dateTime(expires), token: tokenOf(key, tokenOwner, seed) });
}
