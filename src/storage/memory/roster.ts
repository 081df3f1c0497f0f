// In-memory RosterStore: items carry the roster version at which they last changed, and
// removals leave a tombstone, so changesSince (XEP-0237 §2.4) can answer from the latest
// ROSTER_TOMBSTONES_KEPT removals; older versions answer undefined (send the whole roster).
import type { RosterChanges, RosterItem, RosterStore } from '../types.js';
import { ROSTER_TOMBSTONES_KEPT } from '../limits.js';
import { compareCodePoints, PerAccount, requireAccount, type MemoryContext } from './shared.js';

interface UserRoster {
  version: number;
  items: Map<string, { item: RosterItem; version: number }>;
  /** jid -> version at which it was removed. */
  removed: Map<string, number>;
  /** changesSince cannot answer for versions below this (pruned tombstones). */
  floor: number;
  pendingIn: Map<string, string>;
}

/** Groups sorted by code point without duplicates, as the contract promises. */
export function normaliseGroups(groups: readonly string[]): string[] {
  return [...new Set(groups)].sort(compareCodePoints);
}

function copyItem(i: RosterItem): RosterItem {
  const out: RosterItem = { jid: i.jid, subscription: i.subscription, ask: i.ask, approved: i.approved, groups: normaliseGroups(i.groups) };
  if (i.name !== undefined) out.name = i.name;
  return out;
}

const byJid = (a: RosterItem, b: RosterItem): number => compareCodePoints(a.jid, b.jid);

export interface MemoryRosterStore extends RosterStore {
  /** Drops everything of an account (account deletion). */
  forget(host: string, username: string): void;
}

export function memoryRosterStore(ctx: MemoryContext): MemoryRosterStore {
  const users = new PerAccount<UserRoster>();
  const fresh = (): UserRoster => ({ version: 0, items: new Map(), removed: new Map(), floor: 0, pendingIn: new Map() });
  const write = (host: string, username: string, what: string): UserRoster => {
    requireAccount(ctx, host, username, what);
    return users.getOrCreate(host, username, fresh);
  };
  const read = (host: string, username: string): UserRoster | undefined => {
    ctx.open();
    return users.get(host, username);
  };

  return {
    async get(host, username) {
      const r = read(host, username);
      if (!r) return { version: 0, items: [] };
      return { version: r.version, items: [...r.items.values()].map((e) => copyItem(e.item)).sort(byJid) };
    },

    async getItem(host, username, jid) {
      const e = read(host, username)?.items.get(jid);
      return e ? copyItem(e.item) : undefined;
    },

    async setItem(host, username, item) {
      const r = write(host, username, 'roster setItem');
      const version = ++r.version;
      r.items.set(item.jid, { item: copyItem(item), version });
      r.removed.delete(item.jid);
      return version;
    },

    async removeItem(host, username, jid) {
      const r = read(host, username);
      if (!r?.items.delete(jid)) return undefined;
      const version = ++r.version;
      r.removed.set(jid, version);
      if (r.removed.size > ROSTER_TOMBSTONES_KEPT) {
        // Map iteration is insertion order, and versions only grow: the first is the oldest.
        const [oldJid, oldVersion] = r.removed.entries().next().value as [string, number];
        r.removed.delete(oldJid);
        r.floor = Math.max(r.floor, oldVersion);
      }
      return version;
    },

    async changesSince(host, username, version) {
      const r = read(host, username);
      const current = r?.version ?? 0;
      if (!Number.isInteger(version) || version < (r?.floor ?? 0) || version > current) return undefined;
      const out: RosterChanges = { version: current, changed: [], removed: [], versions: {} };
      if (!r) return out;
      for (const e of r.items.values()) {
        if (e.version <= version) continue;
        out.changed.push(copyItem(e.item));
        out.versions[e.item.jid] = e.version;
      }
      for (const [jid, v] of r.removed) {
        if (v <= version) continue;
        out.removed.push(jid);
        out.versions[jid] = v;
      }
      out.changed.sort(byJid);
      out.removed.sort(compareCodePoints);
      return out;
    },

    async count(host, username) {
      return read(host, username)?.items.size ?? 0;
    },

    async addPendingIn(host, username, jid, stanza) {
      write(host, username, 'roster addPendingIn').pendingIn.set(jid, stanza);
    },

    async removePendingIn(host, username, jid) {
      return read(host, username)?.pendingIn.delete(jid) ?? false;
    },

    async listPendingIn(host, username) {
      const r = read(host, username);
      if (!r) return [];
      return [...r.pendingIn].map(([jid, stanza]) => ({ jid, stanza })).sort((a, b) => compareCodePoints(a.jid, b.jid));
    },

    async pendingInState(host, username, jid) {
      const pending = read(host, username)?.pendingIn;
      return { count: pending?.size ?? 0, pending: jid !== undefined && pending?.has(jid) === true };
    },

    async holders(jid) {
      const found: { host: string; username: string }[] = [];
      for (const [host, username, r] of users.entries()) {
        const item = r.items.get(jid)?.item;
        const holds = item !== undefined && (item.subscription !== 'none' || item.ask || item.approved);
        if (holds || r.pendingIn.has(jid)) found.push({ host, username });
      }
      return found;
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
