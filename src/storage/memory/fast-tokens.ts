// In-memory FastTokenStore (XEP-0484): per account, per client, a 'current' and a 'new' token.
import { FAST_CLIENTS_KEPT } from '../limits.js';
import type { FastToken, FastTokenSlot, FastTokenStore } from '../types.js';
import { PerAccount, requireAccount, type MemoryContext } from './shared.js';

export interface MemoryFastTokenStore extends FastTokenStore {
  forget(host: string, username: string): void;
}

type Slots = Partial<Record<FastTokenSlot, FastToken>>;

function copyToken(t: FastToken): FastToken {
  return { ...t, seed: Buffer.from(t.seed), created: new Date(t.created.getTime()), expires: new Date(t.expires.getTime()) };
}

export function memoryFastTokenStore(ctx: MemoryContext): MemoryFastTokenStore {
  /** Account -> client id -> its tokens. */
  const users = new PerAccount<Map<string, Slots>>();
  const slotsOf = (host: string, username: string, clientId: string): Slots | undefined => {
    ctx.open();
    return users.get(host, username)?.get(clientId);
  };

  return {
    async list(host, username, clientId) {
      const slots = slotsOf(host, username, clientId);
      return [slots?.new, slots?.current].filter((t): t is FastToken => t !== undefined).map(copyToken);
    },

    async issue(token) {
      requireAccount(ctx, token.host, token.username, 'FAST token issue');
      const clients = users.getOrCreate(token.host, token.username, () => new Map());
      const now = token.created.getTime();
      for (const [id, slots] of clients) {
        for (const slot of ['current', 'new'] as const) {
          if (slots[slot] && slots[slot].expires.getTime() <= now) delete slots[slot];
        }
        if (!slots.current && !slots.new) clients.delete(id);
      }
      const slots = clients.get(token.clientId) ?? {};
      slots.new = copyToken({ ...token, slot: 'new' });
      clients.set(token.clientId, slots);
      // FAST_CLIENTS_KEPT: the clients past it, those issued a token longest ago, lose theirs.
      if (clients.size > FAST_CLIENTS_KEPT) {
        const latest = (slots: { current?: FastToken; new?: FastToken }): number =>
          Math.max(slots.current?.created.getTime() ?? 0, slots.new?.created.getTime() ?? 0);
        const byAge = [...clients].sort((a, b) => latest(b[1]) - latest(a[1]));
        for (const [id] of byAge.slice(FAST_CLIENTS_KEPT)) clients.delete(id);
      }
    },

    async promote(host, username, clientId, seed) {
      const slots = slotsOf(host, username, clientId);
      const fresh = slots?.new;
      if (!slots || !fresh?.seed.equals(seed)) return false;
      slots.current = { ...fresh, slot: 'current' };
      delete slots.new;
      return true;
    },

    async revoke(host, username, clientId, slot) {
      const slots = slotsOf(host, username, clientId);
      if (!slots) return 0;
      const gone = (['current', 'new'] as const).filter((s) => slots[s] !== undefined && (slot === undefined || s === slot));
      for (const s of gone) delete slots[s];
      if (!slots.current && !slots.new) users.get(host, username)?.delete(clientId);
      return gone.length;
    },

    forget(host, username) {
      users.delete(host, username);
    },
  };
}
