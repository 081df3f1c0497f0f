// FastTokenStore over knex (XEP-0484). Issuing replaces the client's 'new' row in one
// transaction; promoting moves 'new' to 'current' in one transaction, so two logins racing with
// the same token cannot both promote it.
import { FAST_CLIENTS_KEPT } from '../limits.js';
import type { Knex } from 'knex';
import type { FastToken, FastTokenSlot, FastTokenStore } from '../types.js';
import { isForeignKeyViolation, toBuffer, toDate } from './rows.js';

interface TokenRow {
  host: string;
  username: string;
  client_id: string;
  slot: string;
  mechanism: string;
  seed: Uint8Array;
  created_at: unknown;
  expires_at: unknown;
}

const COLUMNS = ['host', 'username', 'client_id', 'slot', 'mechanism', 'seed', 'created_at', 'expires_at'];

function toToken(r: TokenRow): FastToken {
  return {
    host: r.host, username: r.username, clientId: r.client_id, slot: r.slot === 'new' ? 'new' : 'current',
    mechanism: r.mechanism, seed: toBuffer(r.seed), created: toDate(r.created_at), expires: toDate(r.expires_at),
  };
}

export function knexFastTokenStore(db: Knex): FastTokenStore {
  return {
    async list(host, username, clientId) {
      const rows: TokenRow[] = await db('fast_tokens').where({ host, username, client_id: clientId }).select(COLUMNS);
      return rows.map(toToken).sort((a, b) => (a.slot === b.slot ? 0 : a.slot === 'new' ? -1 : 1));
    },

    async issue(token) {
      const { host, username, clientId } = token;
      try {
        await db.transaction(async (trx) => {
          await trx('fast_tokens').where({ host, username }).andWhere('expires_at', '<=', token.created).delete();
          await trx('fast_tokens').where({ host, username, client_id: clientId, slot: 'new' }).delete();
          await trx('fast_tokens').insert({
            host, username, client_id: clientId, slot: 'new', mechanism: token.mechanism,
            seed: Buffer.from(token.seed), created_at: token.created, expires_at: token.expires,
          });
          // FAST_CLIENTS_KEPT: the clients past it, those issued a token longest ago, lose theirs.
          const stale = trx('fast_tokens').select('client_id').where({ host, username }).groupBy('client_id')
            .orderByRaw('max(created_at) desc').offset(FAST_CLIENTS_KEPT);
          await trx('fast_tokens').where({ host, username }).whereIn('client_id', stale).delete();
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: FAST token issue for an account that does not exist');
        throw err;
      }
    },

    async promote(host, username, clientId, seed) {
      const bytes = Buffer.from(seed);
      return db.transaction(async (trx) => {
        // The check that the token is still 'new' and the delete of 'current' are one statement.
        // Read apart (PostgreSQL, read committed), a promote that found the token before a
        // racing one committed would then delete the token that one had just made current.
        await trx('fast_tokens')
          .where({ host, username, client_id: clientId, slot: 'current' })
          .whereExists(trx('fast_tokens as n').select(trx.raw('1'))
            .where({ 'n.host': host, 'n.username': username, 'n.client_id': clientId, 'n.slot': 'new' })
            .andWhere('n.seed', bytes))
          .delete();
        const n = await trx('fast_tokens').where({ host, username, client_id: clientId, slot: 'new' }).andWhere('seed', bytes).update({ slot: 'current' });
        return n > 0;
      });
    },

    async revoke(host, username, clientId, slot?: FastTokenSlot) {
      const q = db('fast_tokens').where({ host, username, client_id: clientId });
      if (slot !== undefined) q.andWhere({ slot });
      return q.delete();
    },
  };
}
