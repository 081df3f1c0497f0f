// An account deleted and created again behind the server's back (another storage connection, as
// the CLI or plain SQL would): at the server's next check, the sessions that authenticated
// before it was created again end with <not-authorized/>, and a session that logged in to the new
// account before that check goes on. Real sockets and a real SQLite file; only the moment of the
// check is the test's (the epoch poll is stopped and the check run by hand), so that the new
// account's session surely exists when it runs.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { createStorage } from '../../src/storage/index.js';
import { deriveCredentials } from '../../src/xmpp/sasl/credentials.js';
import type { AccountCache } from '../../src/core/account-cache.js';
import type { DeletionWatch } from '../../src/core/account-deletions.js';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('an account deleted and created again outside the server', () => {
  let ts: TestServer;
  let ca: string;
  const clients: RawClient[] = [];

  before(async () => {
    // No cached account records: the new password works as soon as it is stored.
    ts = await startTestServer((c) => {
      c.storage.account_cache = 0;
    });
    ca = await ts.ca();
    // The check runs when the test says so.
    (ts.server['accountCache'] as AccountCache).stop();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  const session = async (user: string, password: string, resource: string): Promise<RawClient> => {
    const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
    clients.push(c);
    assert.equal(await c.login(user, password, resource), `${user}@localhost/${resource}`);
    return c;
  };

  it('ends the sessions authenticated before it was created again, and only those', async () => {
    await ts.addUser('erin@localhost', 'old-password-1');
    await ts.addUser('frank@localhost', 'frank-password');
    const old = await session('erin', 'old-password-1', 'old');
    const bystander = await session('frank', 'frank-password', 'bystander');
    const other = await createStorage(ts.config.storage, ts.dataDir);
    try {
      assert.equal(await other.accounts.delete('localhost', 'erin'), true);
      assert.equal(await other.accounts.create('localhost', 'erin', await deriveCredentials('new-password-2', 4096)), true);
    } finally {
      await other.close();
    }
    const fresh = await session('erin', 'new-password-2', 'new');
    await (ts.server['deletions'] as DeletionWatch).check();
    assert.equal(await old.streamError(), 'not-authorized', 'the deleted account\'s session ends');
    for (const c of [fresh, bystander]) {
      const pong = await c.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      assert.equal(pong.attrs.type, 'result', 'the new account\'s session and other accounts\' stay');
    }
  });
});
