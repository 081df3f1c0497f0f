// KeyValueStore over knex: single statements, so no explicit transactions are needed.
import type { Knex } from 'knex';
import type { KeyValueStore } from '../types.js';
import { isForeignKeyViolation } from './rows.js';

export function knexKeyValueStore(db: Knex): KeyValueStore {
  return {
    async get(host, username, key) {
      const row: { value: string } | undefined = await db('kv').where({ host, username, key }).first('value');
      return row?.value;
    },

    async set(host, username, key, value) {
      try {
        await db('kv').insert({ host, username, key, value }).onConflict(['host', 'username', 'key']).merge(['value']);
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new Error('storage: key/value set for an account that does not exist');
        throw err;
      }
    },

    async delete(host, username, key) {
      const n = await db('kv').where({ host, username, key }).delete();
      return n > 0;
    },
  };
}
