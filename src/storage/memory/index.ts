// In-memory Storage for tests and throwaway servers. It follows the same contract as the
// knex implementation (test/storage/contract.ts): Buffers are copied in and out, per-account
// data needs an existing account, and deleting an account removes everything stored for it.
// Each store lives in its own file; this one only wires them together.
import type { Storage } from '../types.js';
import { memoryArchiveStore } from './archive.js';
import { memoryAccountStore } from './accounts.js';
import { memoryBlockStore } from './blocklist.js';
import { memoryCapsStore } from './caps.js';
import { memoryFastTokenStore } from './fast-tokens.js';
import { memoryInviteStore } from './invites.js';
import { memoryKeyValueStore } from './kv.js';
import { memoryOfflineStore } from './offline.js';
import { memoryPubsubStore } from './pubsub.js';
import { memoryPushStore } from './push.js';
import { memoryRosterStore } from './roster.js';
import type { MemoryContext } from './shared.js';

export function createMemoryStorage(): Storage {
  let closed = false;
  const open = (): void => {
    if (closed) throw new Error('storage: closed');
  };

  const perAccount: { forget(host: string, username: string): void }[] = [];
  const accounts = memoryAccountStore(open, (host, username) => {
    for (const s of perAccount) s.forget(host, username);
  }, (host, username) => fastTokens.forget(host, username));
  const ctx: MemoryContext = { open, exists: accounts.exists };
  const keyValue = memoryKeyValueStore(ctx);
  const roster = memoryRosterStore(ctx);
  const offline = memoryOfflineStore(ctx);
  const blocklist = memoryBlockStore(ctx);
  const pubsub = memoryPubsubStore(ctx);
  const archive = memoryArchiveStore(ctx);
  const push = memoryPushStore(ctx);
  const fastTokens = memoryFastTokenStore(ctx);
  perAccount.push(keyValue, roster, offline, blocklist, pubsub, archive, push, fastTokens);

  return {
    kind: 'memory',
    accounts: accounts.store,
    keyValue,
    roster,
    offline,
    blocklist,
    invites: memoryInviteStore(open),
    pubsub,
    caps: memoryCapsStore(open),
    archive,
    push,
    fastTokens,
    async migrate() {
      open();
    },
    async close() {
      closed = true;
    },
  };
}
