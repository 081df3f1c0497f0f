// In-memory PushStore (the data behind XEP-0357 registrations). Values are copied in and out.
import type { PushRegistration, PushStore } from '../types.js';
import { compareCodePoints, PerAccount, requireAccount, type MemoryContext } from './shared.js';

export interface MemoryPushStore extends PushStore {
  forget(host: string, username: string): void;
}

const copy = (r: PushRegistration): PushRegistration => ({
  jid: r.jid, node: r.node, options: r.options.map((o) => ({ var: o.var, values: [...o.values] })), updated: new Date(r.updated.getTime()),
});

export function memoryPushStore(ctx: MemoryContext): MemoryPushStore {
  /** Registrations by `jid \n node`. */
  const users = new PerAccount<Map<string, PushRegistration>>();
  const key = (jid: string, node: string): string => `${jid}\n${node}`;

  return {
    async list(host, username) {
      ctx.open();
      const regs = [...(users.get(host, username)?.values() ?? [])];
      return regs.map(copy).sort((a, b) => compareCodePoints(a.jid, b.jid) || compareCodePoints(a.node, b.node));
    },

    async enable(host, username, reg, max) {
      requireAccount(ctx, host, username, 'push enable');
      const regs = users.getOrCreate(host, username, () => new Map());
      const k = key(reg.jid, reg.node);
      const existed = regs.has(k);
      if (!existed && regs.size >= max) return 'limit';
      regs.set(k, copy({ ...reg, updated: new Date() }));
      return existed ? 'updated' : 'added';
    },

    async disable(host, username, jid, node) {
      ctx.open();
      const regs = users.get(host, username);
      if (!regs) return 0;
      let n = 0;
      for (const [k, r] of regs) {
        if (r.jid === jid && (node === undefined || r.node === node) && regs.delete(k)) n++;
      }
      return n;
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
