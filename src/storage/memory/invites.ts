// In-memory InviteStore. Invitations belong to a host, not to an account.
import type { Invite, InviteStore } from '../types.js';
import { compareCodePoints } from './shared.js';

function copyInvite(i: Invite): Invite {
  return { token: i.token, host: i.host, created: new Date(i.created.getTime()), expires: new Date(i.expires.getTime()), usesLeft: i.usesLeft };
}

/** Oldest first, then by token: the order the knex store lists in. */
export function compareInvites(a: Invite, b: Invite): number {
  return a.created.getTime() - b.created.getTime() || compareCodePoints(a.token, b.token);
}

export function memoryInviteStore(open: () => void): InviteStore {
  const hosts = new Map<string, Map<string, Invite>>();

  return {
    async create(invite) {
      open();
      let tokens = hosts.get(invite.host);
      if (!tokens) hosts.set(invite.host, (tokens = new Map()));
      if (tokens.has(invite.token)) throw new Error('storage: an invite with this token exists already');
      tokens.set(invite.token, copyInvite(invite));
    },

    async get(host, token) {
      open();
      const i = hosts.get(host)?.get(token);
      return i ? copyInvite(i) : undefined;
    },

    async consume(host, token, now) {
      open();
      const i = hosts.get(host)?.get(token);
      if (!i || i.usesLeft <= 0 || i.expires.getTime() <= now.getTime()) return false;
      i.usesLeft -= 1;
      return true;
    },

    async list(host) {
      open();
      return [...(hosts.get(host)?.values() ?? [])].map(copyInvite).sort(compareInvites);
    },

    async delete(host, token) {
      open();
      const tokens = hosts.get(host);
      if (!tokens?.delete(token)) return false;
      if (tokens.size === 0) hosts.delete(host);
      return true;
    },
  };
}
