// InviteStore over knex. consume is one conditional UPDATE, so two registrations racing for
// the last use cannot both succeed.
import type { Knex } from 'knex';
import type { Invite, InviteStore } from '../types.js';
import { compareCodePoints, toDate, toInt } from './rows.js';

interface InviteRow {
  host: string;
  token: string;
  created_at: unknown;
  expires_at: unknown;
  uses_left: unknown;
}

const COLUMNS = ['host', 'token', 'created_at', 'expires_at', 'uses_left'];

function toInvite(r: InviteRow): Invite {
  return { host: r.host, token: r.token, created: toDate(r.created_at), expires: toDate(r.expires_at), usesLeft: toInt(r.uses_left) };
}

export function knexInviteStore(db: Knex): InviteStore {
  return {
    async create(invite) {
      await db('invites').insert({
        host: invite.host,
        token: invite.token,
        created_at: invite.created,
        expires_at: invite.expires,
        uses_left: invite.usesLeft,
      });
    },

    async get(host, token) {
      const row: InviteRow | undefined = await db('invites').where({ host, token }).first(COLUMNS);
      return row ? toInvite(row) : undefined;
    },

    async consume(host, token, now) {
      const n = await db('invites')
        .where({ host, token })
        .andWhere('uses_left', '>', 0)
        .andWhere('expires_at', '>', now)
        .update({ uses_left: db.raw('?? - 1', ['uses_left']) });
      return n > 0;
    },

    async list(host) {
      const rows: InviteRow[] = await db('invites').where({ host }).select(COLUMNS);
      return rows
        .map(toInvite)
        .sort((a, b) => a.created.getTime() - b.created.getTime() || compareCodePoints(a.token, b.token));
    },

    async delete(host, token) {
      const n = await db('invites').where({ host, token }).delete();
      return n > 0;
    },
  };
}
