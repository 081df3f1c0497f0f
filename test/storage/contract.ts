// The storage contract: one suite that every Storage implementation must pass (memory,
// SQLite, PostgreSQL). Each test gets a fresh, empty, migrated store from `make`. Its parts
// are in contract/, mostly one for each store; this file composes them into one suite.
import { strict as assert } from 'node:assert';
import type { Storage } from '../../src/storage/types.js';
import { accountDataContract } from './contract/account-data.js';
import { accountsContract } from './contract/accounts.js';
import { archiveContract } from './contract/archive.js';
import { blocklistContract } from './contract/blocklist.js';
import type { ContractContext } from './contract/context.js';
import { makeCredentials } from './contract/credentials.js';
import { fastTokensContract } from './contract/fast-tokens.js';
import { invitesContract } from './contract/invites.js';
import { keyValueContract } from './contract/key-value.js';
import { offlineContract } from './contract/offline.js';
import { pubsubContract } from './contract/pubsub.js';
import { pushContract } from './contract/push.js';
import { rosterContract } from './contract/roster.js';

export { makeCredentials };

export function storageContract(
  name: string,
  make: () => Promise<Storage>,
  cleanup?: (storage: Storage) => Promise<void>,
): void {
  describe(`storage contract: ${name}`, function () {
    let s: Storage;
    const H = 'example.org';
    const H2 = 'example.net';

    beforeEach(async function () {
      s = await make();
    });

    afterEach(async function () {
      await s.close();
      await cleanup?.(s);
    });

    const ctx: ContractContext = { store: () => s, H, H2 };
    accountsContract(ctx);
    keyValueContract(ctx);
    rosterContract(ctx);
    offlineContract(ctx);
    blocklistContract(ctx);
    invitesContract(ctx);
    accountDataContract(ctx);
    pubsubContract(ctx);
    archiveContract(ctx);
    pushContract(ctx);
    fastTokensContract(ctx);

    describe('lifecycle', function () {
      it('migrate is idempotent on a migrated store', async function () {
        await s.accounts.create(H, 'alice', makeCredentials());
        await s.migrate();
        assert.equal(await s.accounts.count(H), 1);
      });
    });
  });
}
