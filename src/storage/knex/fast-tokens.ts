// FastTokenStore over knex (XEP-0484). Issuing replaces the client's 'new' row in one
// transaction; promoting moves 'new' to 'current' in one transaction, so two logins racing with
// the same token cannot both promote it.
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
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: FAST token issue for an account that does not exist');
        throw err;
      }
    },

    async promote(host, username, clientId, seed) {
      return db.transaction(async (trx) => {
        const fresh = { host, username, client_id: clientId, slot: 'new' };
        const found: unknown = await trx('fast_tokens').where(fresh).andWhere('seed', Buffer.from(seed)).first('slot');
        if (found === undefined) return false;
        await trx('fast_tokens').where({ host, username, client_id: clientId, slot: 'current' }).delete();
        const n = await trx('fast_tokens').where(fresh).andWhere('seed', Buffer.from(seed)).update({ slot: 'current' });
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
