// `starling invite`: invitation tokens for hosts whose in-band registration (the register
// module, XEP-0077) is by invitation. A token is a random alphanumeric string, as XEP-0401 §5.4
// asks of a preauth value; the invitee's client sends it in the registration form, and
// `xmpp:<host>?register;preauth=<token>` (XEP-0401 §5.4) is the link to hand out.
import { randomInt } from 'node:crypto';
import { CliError, EXIT } from './common.js';
import type { Config } from '../config/types.js';
import type { Storage } from '../storage/types.js';

export const INVITE_USAGE = '  invite <host>            create an invitation to register on a host (also\n                           --list <host>, --revoke <host> <token>)';

export const INVITE_HELP = `Usage: starling invite <host> [--uses N] [--days D] [-c FILE]
       starling invite --list <host> [-c FILE]
       starling invite --revoke <host> <token> [-c FILE]

Creates an invitation token for in-band registration on <host>, where the register module
has 'policy: invite'. The token may create N accounts (default 1, at most 1000000) within
D days (default 7, at most 3650). It is printed first, alone on its line, then the xmpp: link
(XEP-0401) to give to the invitee.
  --list       lists the host's invitations: token, uses left, expiry
  --revoke     deletes an invitation`;

/** The options only `invite` takes, for node:util parseArgs. */
export const INVITE_OPTIONS = {
  uses: { type: 'string' },
  days: { type: 'string' },
  list: { type: 'boolean' },
  revoke: { type: 'boolean' },
} as const;

export type InviteRequest =
  | { action: 'create'; host: string; uses: number; days: number }
  | { action: 'list'; host: string }
  | { action: 'revoke'; host: string; token: string };

interface InviteValues {
  uses?: string | undefined;
  days?: string | undefined;
  list?: boolean | undefined;
  revoke?: boolean | undefined;
}

const DAY_MS = 86_400_000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 22 characters of 62: about 131 bits. */
const TOKEN_LENGTH = 22;

export function newToken(): string {
  let token = '';
  for (let i = 0; i < TOKEN_LENGTH; i++) token += ALPHABET[randomInt(ALPHABET.length)];
  return token;
}

function usage(message: string): CliError {
  return new CliError(`${message}\n\n${INVITE_HELP}`, EXIT.USAGE);
}

function number(name: string, text: string | undefined, fallback: number, max: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) {
    throw usage(`--${name} expects ${integer ? 'a whole number' : 'a number'} above 0 and at most ${max}, got '${text}'`);
  }
  return n;
}

/** Checks the arguments of `invite`; wrong ones are usage errors (exit 2). */
export function inviteRequest(values: InviteValues, args: string[]): InviteRequest {
  if (values.list && values.revoke) throw usage('--list and --revoke exclude each other');
  if ((values.list || values.revoke) && (values.uses !== undefined || values.days !== undefined)) {
    throw usage('--uses and --days apply only when creating an invitation');
  }
  if (values.revoke) {
    if (args.length !== 2) throw usage('wrong arguments');
    return { action: 'revoke', host: args[0]!, token: args[1]! };
  }
  if (args.length !== 1) throw usage('wrong arguments');
  const host = args[0]!;
  if (values.list) return { action: 'list', host };
  return { action: 'create', host, uses: number('uses', values.uses, 1, 1_000_000, true), days: number('days', values.days, 7, 3650, false) };
}

/** Runs `invite`; an unknown host or token fails with exit 1. Returns the lines to print. */
export async function runInvite(
  request: InviteRequest, config: Config, storage: (mayCreate: boolean) => Promise<{ storage: Storage; made: string | undefined }>, warn: (line: string) => void,
): Promise<string[]> {
  const hosts = Object.keys(config.hosts);
  const req = { ...request, host: request.host.toLowerCase() };
  if (!hosts.includes(req.host)) throw new CliError(`'${request.host}' is not a host of this server (configured: ${hosts.join(', ')})`);
  // An invitation may be made before the server's first start; listing or revoking needs one.
  const { storage: s, made } = await storage(req.action === 'create');
  if (made !== undefined) warn(`note: made a new database at ${made}`);
  try {
    switch (req.action) {
      case 'create': {
        const policy = registerPolicy(config, req.host);
        if (policy !== 'invite') warn(`note: registration on ${req.host} is not by invitation (register policy: ${policy}); the token works once it is 'invite'`);
        const now = new Date();
        const invite = { token: newToken(), host: req.host, created: now, expires: new Date(now.getTime() + req.days * DAY_MS), usesLeft: req.uses };
        await s.invites.create(invite);
        return [
          invite.token,
          `xmpp:${req.host}?register;preauth=${invite.token}`,
          `valid for ${plural(req.uses, 'account')} until ${invite.expires.toISOString()}`,
        ];
      }
      case 'list': {
        const now = Date.now();
        return (await s.invites.list(req.host)).map((i) => {
          const state = i.expires.getTime() <= now ? ' (expired)' : i.usesLeft <= 0 ? ' (used up)' : '';
          return `${i.token}  ${plural(i.usesLeft, 'use')} left  expires ${i.expires.toISOString()}${state}`;
        });
      }
      case 'revoke': {
        if (!(await s.invites.delete(req.host, req.token))) throw new CliError(`there is no invitation '${req.token}' on ${req.host}`);
        return [`revoked ${req.token}`];
      }
    }
  } finally {
    await s.close();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The register module's policy on a host, as configured ('off' when the module is not enabled). */
function registerPolicy(config: Config, host: string): string {
  const modules = config.hosts[host]?.modules ?? config.modules;
  const register = modules.register;
  if (register === undefined) return 'off';
  const policy = register.policy;
  return typeof policy === 'string' ? policy : 'disabled';
}
