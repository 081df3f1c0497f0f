// PushStore over knex (XEP-0357 registrations). Enabling locks the account row, so the
// per-account limit holds against concurrent enables; options are JSON text.
import type { Knex } from 'knex';
import type { FormFieldValues, PushRegistration, PushStore } from '../types.js';
import { compareCodePoints, lockAccount, toCount, toDate } from './rows.js';

interface Row {
  jid: string;
  node: string;
  options: string;
  updated_at: unknown;
}

function readOptions(text: string): FormFieldValues[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new Error('storage: unreadable push options');
  return value as FormFieldValues[];
}

const toRegistration = (r: Row): PushRegistration => ({ jid: r.jid, node: r.node, options: readOptions(r.options), updated: toDate(r.updated_at) });

export function knexPushStore(db: Knex, driver: 'sqlite' | 'postgres'): PushStore {
  return {
    async list(host, username) {
      const rows: Row[] = await db('push_registrations').where({ host, username }).select('jid', 'node', 'options', 'updated_at');
      return rows.map(toRegistration).sort((a, b) => compareCodePoints(a.jid, b.jid) || compareCodePoints(a.node, b.node));
    },

    async enable(host, username, reg, max) {
      return db.transaction(async (trx) => {
        if (!(await lockAccount(trx, driver, host, username))) throw new Error('storage: push enable for an account that does not exist');
        const key = { host, username, jid: reg.jid, node: reg.node };
        const values = { options: JSON.stringify(reg.options), updated_at: new Date() };
        if ((await trx('push_registrations').where(key).update(values)) > 0) return 'updated' as const;
        const row = await trx('push_registrations').where({ host, username }).count({ n: '*' }).first();
        if (toCount((row as { n?: unknown } | undefined)?.n) >= max) return 'limit' as const;
        await trx('push_registrations').insert({ ...key, ...values });
        return 'added' as const;
      });
    },

    async disable(host, username, jid, node) {
      const where = node === undefined ? { host, username, jid } : { host, username, jid, node };
      return db('push_registrations').where(where).delete();
    },
  };
}
