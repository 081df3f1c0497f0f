// In-memory ArchiveStore (XEP-0313). Each archive is an array sorted by id; bounds are found by
// binary search, so paging costs what the knex store's index range scan does.
import type { ArchivedMessage, ArchiveFilter, ArchivePrefs, ArchiveStore } from '../types.js';
import { PerAccount, requireAccount, type MemoryContext } from './shared.js';

export interface MemoryArchiveStore extends ArchiveStore {
  forget(host: string, username: string): void;
}

const copy = (m: ArchivedMessage): ArchivedMessage => ({
  id: m.id,
  at: new Date(m.at.getTime()),
  with: m.with,
  withResource: m.withResource,
  stanza: m.stanza,
});

const copyPrefs = (p: ArchivePrefs): ArchivePrefs => ({ default: p.default, always: [...p.always], never: [...p.never] });

/** The first index whose id is greater than `id` (or not less, with `orEqual`). */
function firstAbove(list: readonly ArchivedMessage[], id: string, orEqual = false): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = list[mid]!.id;
    if (m < id || (!orEqual && m === id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function matcher(f: ArchiveFilter): (m: ArchivedMessage) => boolean {
  const ids = f.ids ? new Set(f.ids) : undefined;
  return (m) =>
    (f.with === undefined || m.with === f.with) &&
    (f.withResource === undefined || m.withResource === f.withResource) &&
    (ids === undefined || ids.has(m.id));
}

/** The index range [from, to) of `list` that the filter's id bounds leave. */
function range(list: readonly ArchivedMessage[], f: ArchiveFilter): [number, number] {
  const from = f.after === undefined ? 0 : firstAbove(list, f.after);
  const to = f.before === undefined ? list.length : firstAbove(list, f.before, true);
  return [from, Math.max(from, to)];
}

export function memoryArchiveStore(ctx: MemoryContext): MemoryArchiveStore {
  const hosts = new Map<string, Map<string, ArchivedMessage[]>>();
  const prefs = new PerAccount<ArchivePrefs>();
  const read = (host: string, username: string): readonly ArchivedMessage[] => {
    ctx.open();
    return hosts.get(host)?.get(username) ?? [];
  };

  return {
    async append(entries) {
      ctx.open();
      let kept = 0;
      for (const e of entries) {
        if (!ctx.exists(e.host, e.username)) continue;
        kept++;
        let users = hosts.get(e.host);
        if (!users) hosts.set(e.host, (users = new Map()));
        let list = users.get(e.username);
        if (!list) users.set(e.username, (list = []));
        const at = firstAbove(list, e.id, true);
        if (list[at]?.id === e.id) continue;
        list.splice(at, 0, copy(e));
      }
      return kept;
    },

    async query(host, username, q) {
      const list = read(host, username);
      const [from, to] = range(list, q);
      const match = matcher(q);
      const found: ArchivedMessage[] = [];
      const step = q.fromEnd ? -1 : 1;
      for (let i = q.fromEnd ? to - 1 : from; i >= from && i < to && found.length <= q.limit; i += step) {
        if (match(list[i]!)) found.push(list[i]!);
      }
      const complete = found.length <= q.limit;
      const page = found.slice(0, q.limit).map(copy);
      return { messages: q.fromEnd ? page.reverse() : page, complete };
    },

    async count(host, username, f) {
      const list = read(host, username);
      const [from, to] = range(list, f);
      const match = matcher(f);
      let n = 0;
      for (let i = from; i < to; i++) if (match(list[i]!)) n++;
      return n;
    },

    async missing(host, username, ids) {
      const list = read(host, username);
      return ids.filter((id) => list[firstAbove(list, id, true)]?.id !== id);
    },

    async bounds(host, username) {
      const list = read(host, username);
      const first = list[0];
      const last = list[list.length - 1];
      return first && last ? { first: copy(first), last: copy(last) } : undefined;
    },

    async purge(host, before, limit) {
      ctx.open();
      const users = hosts.get(host);
      if (!users || limit <= 0) return 0;
      const old: { username: string; m: ArchivedMessage }[] = [];
      for (const [username, list] of users) {
        for (const m of list) if (m.at.getTime() < before.getTime()) old.push({ username, m });
      }
      old.sort((a, b) => a.m.at.getTime() - b.m.at.getTime());
      const drop = new Set(old.slice(0, limit).map((o) => o.m));
      for (const [username, list] of users) users.set(username, list.filter((m) => !drop.has(m)));
      return drop.size;
    },

    async getPrefs(host, username) {
      ctx.open();
      const p = prefs.get(host, username);
      return p && copyPrefs(p);
    },

    async setPrefs(host, username, p) {
      requireAccount(ctx, host, username, 'archive preferences');
      const stored = prefs.getOrCreate(host, username, () => copyPrefs(p));
      Object.assign(stored, copyPrefs(p));
    },

    forget(host, username) {
      hosts.get(host)?.delete(username);
      prefs.delete(host, username);
    },
  };
}
