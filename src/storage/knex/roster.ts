// RosterStore over knex (RFC 6121 §2, XEP-0237). Every change bumps `roster_versions.version`
// and writes the item (or its tombstone) in the same transaction. The bump is the first
// statement: an upsert that takes the row lock on PostgreSQL (serialising writers of one
// roster) and the write lock at once on SQLite.
import type { Knex } from 'knex';
import { ROSTER_TOMBSTONES_KEPT } from '../limits.js';
import type { RosterChanges, RosterItem, RosterStore, Subscription } from '../types.js';
import type { FastReader } from './fast-read.js';
import { compareCodePoints, isForeignKeyViolation, toBool, toCount, toInt } from './rows.js';

interface ItemRow {
  jid: string;
  name: string | null;
  subscription: string;
  ask: unknown;
  approved: unknown;
  item_groups: string;
  version: unknown;
}

/** The version row of SQL.roster. */
interface VersionRow {
  jid: null;
  version: unknown;
}

const SUBSCRIPTIONS: readonly string[] = ['none', 'to', 'from', 'both'];

function normaliseGroups(groups: readonly string[]): string[] {
  return [...new Set(groups)].sort(compareCodePoints);
}

function readGroups(text: string): string[] {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v) || !v.every((g) => typeof g === 'string')) throw new Error('storage: unreadable roster groups');
  return normaliseGroups(v);
}

function toItem(r: ItemRow): RosterItem {
  if (!SUBSCRIPTIONS.includes(r.subscription)) throw new Error('storage: unreadable roster subscription');
  const item: RosterItem = {
    jid: r.jid,
    subscription: r.subscription as Subscription,
    ask: toBool(r.ask),
    approved: toBool(r.approved),
    groups: readGroups(r.item_groups),
  };
  if (r.name !== null && r.name !== undefined) item.name = r.name;
  return item;
}

const ITEM_COLUMNS = ['jid', 'name', 'subscription', 'ask', 'approved', 'item_groups', 'version'];
const ITEM_SELECT = `select ${ITEM_COLUMNS.join(', ')} from roster_items`;
/** Hot reads (every session start), through the fast reader. */
const SQL = {
  version: 'select version, removed_floor from roster_versions where host = ? and username = ?',
  /**
   * The whole roster in one statement, so one snapshot: the version row (the only one whose
   * jid is null; an item's jid never is) and the items.
   */
  roster: 'select null as jid, null as name, null as subscription, null as ask, null as approved, null as item_groups, version ' +
    'from roster_versions where host = ? and username = ? union all ' +
    `${ITEM_SELECT} where host = ? and username = ?`,
  item: `${ITEM_SELECT} where host = ? and username = ? and jid = ?`,
  pendingIn: 'select jid, stanza from roster_pending_in where host = ? and username = ?',
  /** The first `?` is the contact's JID, null when none is asked about. */
  pendingInState: 'select count(*) as n, coalesce(sum(case when jid = ? then 1 else 0 end), 0) as mine ' +
    'from roster_pending_in where host = ? and username = ?',
};
const byJid = (a: RosterItem, b: RosterItem): number => compareCodePoints(a.jid, b.jid);

/** Bumps (creating at 1) the roster version; the first write of every roster transaction. */
async function bumpVersion(trx: Knex.Transaction, host: string, username: string): Promise<number> {
  const rows: { version: unknown }[] = await trx('roster_versions')
    .insert({ host, username, version: 1, removed_floor: 0 })
    .onConflict(['host', 'username'])
    .merge({ version: trx.raw('?? + 1', ['roster_versions.version']) })
    .returning('version');
  const row = rows[0];
  if (!row) throw new Error('storage: roster version not returned');
  return toInt(row.version);
}

async function readVersion(reader: FastReader, host: string, username: string): Promise<{ version: number; floor: number }> {
  const [row] = await reader.all<{ version: unknown; removed_floor: unknown }>(SQL.version, [host, username]);
  return row ? { version: toInt(row.version), floor: toInt(row.removed_floor) } : { version: 0, floor: 0 };
}

function noAccount(what: string): Error {
  return new Error(`storage: ${what} for an account that does not exist`);
}

export function knexRosterStore(db: Knex, reader: FastReader): RosterStore {
  return {
    async get(host, username) {
      const rows = await reader.all<ItemRow | VersionRow>(SQL.roster, [host, username, host, username]);
      let version = 0;
      const items: RosterItem[] = [];
      for (const r of rows) {
        if (r.jid === null) version = toInt(r.version);
        else items.push(toItem(r));
      }
      return { version, items: items.sort(byJid) };
    },

    async getItem(host, username, jid) {
      const [row] = await reader.all<ItemRow>(SQL.item, [host, username, jid]);
      return row ? toItem(row) : undefined;
    },

    async setItem(host, username, item) {
      const row = {
        host,
        username,
        jid: item.jid,
        name: item.name ?? null,
        subscription: item.subscription,
        ask: item.ask,
        approved: item.approved,
        item_groups: JSON.stringify(normaliseGroups(item.groups)),
      };
      try {
        return await db.transaction(async (trx) => {
          const version = await bumpVersion(trx, host, username);
          await trx('roster_items')
            .insert({ ...row, version })
            .onConflict(['host', 'username', 'jid'])
            .merge(['name', 'subscription', 'ask', 'approved', 'item_groups', 'version']);
          await trx('roster_removed').where({ host, username, jid: item.jid }).delete();
          return version;
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw noAccount('roster setItem');
        throw err;
      }
    },

    async removeItem(host, username, jid) {
      return db.transaction(async (trx) => {
        const n = await trx('roster_items').where({ host, username, jid }).delete();
        if (n === 0) return undefined;
        const version = await bumpVersion(trx, host, username);
        await trx('roster_removed').insert({ host, username, jid, version }).onConflict(['host', 'username', 'jid']).merge(['version']);
        // Keep the newest ROSTER_TOMBSTONES_KEPT; the newest pruned version becomes the floor.
        const cut: { version: unknown } | undefined = await trx('roster_removed')
          .where({ host, username })
          .orderBy('version', 'desc')
          .offset(ROSTER_TOMBSTONES_KEPT)
          .first('version');
        if (cut) {
          const floor = toInt(cut.version);
          await trx('roster_removed').where({ host, username }).andWhere('version', '<=', floor).delete();
          await trx('roster_versions').where({ host, username }).andWhere('removed_floor', '<', floor).update({ removed_floor: floor });
        }
        return version;
      });
    },

    async changesSince(host, username, since) {
      const { version, floor } = await readVersion(reader, host, username);
      if (!Number.isInteger(since) || since < floor || since > version) return undefined;
      const out: RosterChanges = { version, changed: [], removed: [], versions: {} };
      if (since === version) return out;
      const rows: ItemRow[] = await db('roster_items').where({ host, username }).andWhere('version', '>', since).select(ITEM_COLUMNS);
      const gone: { jid: string; version: unknown }[] = await db('roster_removed').where({ host, username }).andWhere('version', '>', since).select('jid', 'version');
      out.changed = rows.map(toItem).sort(byJid);
      out.removed = gone.map((g) => g.jid).sort(compareCodePoints);
      for (const r of rows) out.versions[r.jid] = toInt(r.version);
      for (const g of gone) out.versions[g.jid] = toInt(g.version);
      return out;
    },

    async count(host, username) {
      const row = await db('roster_items').where({ host, username }).count({ n: '*' }).first();
      return toCount((row as { n?: unknown } | undefined)?.n);
    },

    async addPendingIn(host, username, jid, stanza) {
      try {
        await db('roster_pending_in').insert({ host, username, jid, stanza }).onConflict(['host', 'username', 'jid']).merge(['stanza']);
      } catch (err) {
        if (isForeignKeyViolation(err)) throw noAccount('roster addPendingIn');
        throw err;
      }
    },

    async removePendingIn(host, username, jid) {
      const n = await db('roster_pending_in').where({ host, username, jid }).delete();
      return n > 0;
    },

    async listPendingIn(host, username) {
      const rows = await reader.all<{ jid: string; stanza: string }>(SQL.pendingIn, [host, username]);
      return rows.map((r) => ({ jid: r.jid, stanza: r.stanza })).sort((a, b) => compareCodePoints(a.jid, b.jid));
    },

    async pendingInState(host, username, jid) {
      const [row] = await reader.all<{ n: unknown; mine: unknown }>(SQL.pendingInState, [jid ?? null, host, username]);
      return { count: toCount(row?.n), pending: toCount(row?.mine) > 0 };
    },

    async holders(jid) {
      // Both by the contact index of migration 0014; 'union' drops an account found twice.
      const rows: { host: string; username: string }[] = await db('roster_items')
        .select('host', 'username')
        .where({ jid })
        .andWhere((q) => q.whereNot('subscription', 'none').orWhere('ask', true).orWhere('approved', true))
        .union((q) => q.select('host', 'username').from('roster_pending_in').where({ jid }));
      return rows.map((r) => ({ host: r.host, username: r.username }));
    },
  };
}
