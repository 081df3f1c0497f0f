// Accounts changed behind the server's back (another storage connection, as the CLI's `passwd`,
// `deluser` and `adduser` or plain SQL would): at the server's next check, the sessions that
// logged in with credentials the account no longer has end (<reset/> for a new password,
// <not-authorized/> for a deletion), and those that logged in with its credentials now go on,
// as does a session that changed its own password in-band. Real sockets and a real SQLite file;
// only the moment of the check is the test's (the epoch poll is stopped and the check run by
// hand), so that every session surely exists when it runs.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { createStorage } from '../../src/storage/index.js';
import { emptyPgDatabase } from '../support/pg.js';
import type { Storage } from '../../src/storage/types.js';
import { deriveCredentials } from '../../src/xmpp/sasl/credentials.js';
import type { AccountCache } from '../../src/core/account-cache.js';
import type { AccountNoteWatch } from '../../src/core/account-notes.js';
import type { Config } from '../../src/config/types.js';
import { RawClient } from '../support/raw-client.js';
import { chat, mamQuery } from '../support/mam.js';
import { SmPeer, waitFor } from '../support/sm-peer.js';
import { Jid } from '../../src/xmpp/jid.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ping = (): ReturnType<typeof xml> => xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' }));

const PG_URL = process.env.STARLING_TEST_PG_URL;

/**
 * A server whose account checks run only when the test calls `check`; on PostgreSQL (a
 * disposable database, its schema made anew) when `postgres` is given, else on SQLite.
 */
function handChecked(accountCache: number, postgres?: string) {
  const t = {
    ts: undefined as unknown as TestServer,
    ca: '',
    clients: [] as RawClient[],
    /** Runs the server's account check as its poll would: the epoch, then the notes. */
    check: async (): Promise<void> => {
      await (t.ts.server['accountCache'] as AccountCache).check();
      await (t.ts.server['notes'] as Pick<AccountNoteWatch, 'check'>).check();
    },
    session: async (user: string, password: string, resource: string): Promise<RawClient> => {
      const c = await RawClient.connect({ port: t.ts.tlsPort, ca: t.ca, directTls: true });
      t.clients.push(c);
      assert.equal(await c.login(user, password, resource), `${user}@localhost/${resource}`);
      return c;
    },
    /** A new password set on another storage connection, as `starling passwd` does. */
    passwd: async (user: string, password: string): Promise<void> => {
      const credentials = await deriveCredentials(password, 4096);
      await t.elsewhere(async (s) => {
        assert.equal(await s.accounts.setCredentials('localhost', user, credentials), true);
      });
    },
    /** Another storage connection, as the CLI opens. */
    elsewhere: async (change: (s: Storage) => Promise<void>): Promise<void> => {
      const other = await createStorage(t.ts.config.storage, t.ts.dataDir);
      try {
        await change(other);
      } finally {
        await other.close();
      }
    },
  };
  before(async () => {
    if (postgres) await emptyPgDatabase(postgres);
    t.ts = await startTestServer((c: Config) => {
      c.storage.account_cache = accountCache;
      if (postgres) c.storage = { ...c.storage, driver: 'postgres', url: postgres, pool_max: 4 };
    });
    t.ca = await t.ts.ca();
    // Stops the poll (the cache keeps working, and is emptied by `check` as the poll would),
    // once the first reading, taken at start, is in: it empties the cache when it lands.
    const cache = t.ts.server['accountCache'] as AccountCache;
    clearInterval(cache['timer']);
    cache['timer'] = undefined;
    await waitFor(() => cache['epoch'] !== undefined && !cache['checking'], 'the first reading of the account change counter');
  });
  afterEach(() => {
    for (const c of t.clients.splice(0)) c.destroy();
  });
  // Skipped suites (PostgreSQL without a database) start no server.
  after(() => t.ts?.stop());
  return t;
}

const alive = async (clients: RawClient[], what: string): Promise<void> => {
  for (const c of clients) assert.equal((await c.iq(ping())).attrs.type, 'result', what);
};

for (const backend of ['sqlite', 'postgres'] as const) describe(`an account changed outside the server (no account cache, ${backend})`, function () {
  if (backend === 'postgres') {
    // The triggers of both SQL databases, end to end; needs a disposable database.
    before(function () {
      if (!PG_URL) this.skip();
    });
  }
  const t = handChecked(0, backend === 'postgres' ? PG_URL ?? '' : undefined);

  it('a new password ends the sessions that logged in with the old one, with <reset/>; the new one\'s go on', async () => {
    await t.ts.addUser('gina@localhost', 'old-password-1');
    await t.ts.addUser('hank@localhost', 'hank-password');
    const old = await t.session('gina', 'old-password-1', 'old');
    const bystander = await t.session('hank', 'hank-password', 'bystander');
    await t.passwd('gina', 'new-password-2');
    const fresh = await t.session('gina', 'new-password-2', 'new');
    await t.check();
    assert.equal(await old.streamError(), 'reset', 'the old password\'s session ends');
    await alive([fresh, bystander], 'the new password\'s session and other accounts\' stay');
  });

  it('a login with the old password that has not bound yet when the change is noticed ends too, and binds nothing', async () => {
    await t.ts.addUser('max@localhost', 'max-password-1');
    const c = await RawClient.connect({ port: t.ts.tlsPort, ca: t.ca, directTls: true });
    t.clients.push(c);
    await c.authenticate('max', 'max-password-1');
    await t.passwd('max', 'max-password-2');
    await t.check();
    assert.equal(await c.streamError(), 'reset');
    assert.equal(t.ts.server.sessions.hasAccount('max@localhost'), false);
    const bound = await t.session('max', 'max-password-2', 'bound');
    await alive([bound], 'a login with the new password binds and stays');
  });

  it('a login in its SASL exchange, checked against the old password, is stopped when the change is noticed', async () => {
    await t.ts.addUser('nia@localhost', 'nia-password-1');
    const c = await RawClient.connect({ port: t.ts.tlsPort, ca: t.ca, directTls: true });
    t.clients.push(c);
    const outcome = await c.scram(await c.open(), 'nia', 'nia-password-1', 'SCRAM-SHA-256', undefined, undefined, async () => {
      // The server has read the old credentials for this exchange; now they change.
      await t.passwd('nia', 'nia-password-2');
      await t.check();
    });
    assert.equal(outcome, 'reset', 'no success with the password that was just replaced');
  });

  /**
   * A SCRAM login whose read of the account is held back by the test (after it has read) while
   * `during` runs; resolves with the login's outcome.
   */
  const scramWhileReadHeld = async (user: string, password: string, during: () => Promise<void>): Promise<string> => {
    const accounts = t.ts.server.storage.accounts;
    const get = accounts.get;
    let entered!: () => void;
    const reading = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    accounts.get = async (host, username) => {
      const record = await get(host, username);
      if (username === user) {
        entered();
        await gate;
      }
      return record;
    };
    try {
      const c = await RawClient.connect({ port: t.ts.tlsPort, ca: t.ca, directTls: true });
      t.clients.push(c);
      const outcome = c.scram(await c.open(), user, password, 'SCRAM-SHA-256');
      await reading;
      await during();
      release();
      return await outcome;
    } finally {
      accounts.get = get;
      release();
    }
  };

  it('a login whose read of the account is under way when the change is noticed reads it again: the old password fails', async () => {
    await t.ts.addUser('oda@localhost', 'oda-password-1');
    await t.check();
    // The read returns what was stored before the change, but only after the server's check.
    const outcome = await scramWhileReadHeld('oda', 'oda-password-1', async () => {
      await t.passwd('oda', 'oda-password-2');
      await t.check();
    });
    assert.equal(outcome, 'not-authorized', 'checked against the new credentials, not what the first read returned');
  });

  it('a login to an account just created, whose read is under way when the creation is noticed, goes on', async () => {
    await t.ts.addUser('pat@localhost', 'pat-password');
    // The creation's note is read while the login's read is held.
    assert.equal(await scramWhileReadHeld('pat', 'pat-password', () => t.check()), 'success');
  });

  it('the same credentials written again end nobody', async () => {
    await t.ts.addUser('ivy@localhost', 'ivy-password');
    await t.ts.addUser('ida@localhost', 'ida-password-1');
    const c = await t.session('ivy', 'ivy-password', 'kept');
    const changed = await t.session('ida', 'ida-password-1', 'changed');
    await t.elsewhere(async (s) => {
      const same = (await s.accounts.get('localhost', 'ivy'))!.credentials;
      assert.equal(await s.accounts.setCredentials('localhost', 'ivy', same), true);
    });
    // Changed in the same check, so the check surely acted.
    await t.passwd('ida', 'ida-password-2');
    await t.check();
    assert.equal(await changed.streamError(), 'reset');
    await alive([c], 'the session goes on');
  });

  it('a session that changed its own password in-band goes on when the change is noticed; the others end', async () => {
    await t.ts.addUser('jay@localhost', 'jay-password-1');
    const changer = await t.session('jay', 'jay-password-1', 'changer');
    const other = await t.session('jay', 'jay-password-1', 'other');
    const change = xml('iq', { type: 'set', to: 'localhost' }, xml('query', { xmlns: 'jabber:iq:register' }, xml('password', {}, 'jay-password-2')));
    assert.equal((await changer.iq(change)).attrs.type, 'result');
    assert.equal(await other.streamError(), 'reset');
    await t.check();
    await alive([changer], 'the changer stays');
  });

  it('a session resumed (XEP-0198) by a login with the new password goes on; one left hibernating ends', async () => {
    await t.ts.addUser('lou@localhost', 'lou-password-1');
    const login = (password: string) => ({ port: t.ts.c2sPort, ca: t.ca, user: 'lou', password });
    const ids: string[] = [];
    const peers: SmPeer[] = [];
    for (const resource of ['phone', 'laptop']) {
      const peer = await SmPeer.bound(login('lou-password-1'), resource);
      ids.push((await peer.enable({ resume: 'true' })).attrs.id as string);
      peers.push(peer);
      peer.client.destroy();
    }
    const sessions = (): ReturnType<TestServer['server']['sessions']['resources']> => t.ts.server.sessions.resources(Jid.of('lou', 'localhost'));
    await waitFor(() => sessions().length === 2 && sessions().every((s) => s.hibernating), 'both sessions hibernating');
    await t.passwd('lou', 'lou-password-2');
    const again = await SmPeer.authenticated(login('lou-password-2'));
    t.clients.push(again.client);
    assert.equal((await again.resume(ids[0]!, peers[0]!.h)).name, 'resumed');
    await t.check();
    await alive([again.client], 'the resumed session goes on');
    assert.deepEqual(sessions().map((s) => s.jid.resource), ['phone'], 'the one nobody resumed has ended');
  });

  it('deleted and created again: the sessions from before it was created again end, and only those', async () => {
    await t.ts.addUser('erin@localhost', 'old-password-1');
    await t.ts.addUser('frank@localhost', 'frank-password');
    const old = await t.session('erin', 'old-password-1', 'old');
    const bystander = await t.session('frank', 'frank-password', 'bystander');
    await t.elsewhere(async (s) => {
      assert.equal(await s.accounts.delete('localhost', 'erin'), true);
      assert.equal(await s.accounts.create('localhost', 'erin', await deriveCredentials('new-password-2', 4096)), true);
    });
    const fresh = await t.session('erin', 'new-password-2', 'new');
    await t.check();
    assert.equal(await old.streamError(), 'not-authorized', 'the deleted account\'s session ends');
    await alive([fresh, bystander], 'the new account\'s session and other accounts\' stay');
  });

  it('deleted and created again: the new account\'s archive stays when the deletion is noticed', async () => {
    await t.ts.addUser('olga@localhost', 'old-password-1');
    await t.ts.addUser('pete@localhost', 'pete-password');
    const old = await t.session('olga', 'old-password-1', 'old');
    await t.elsewhere(async (s) => {
      assert.equal(await s.accounts.delete('localhost', 'olga'), true);
      assert.equal(await s.accounts.create('localhost', 'olga', await deriveCredentials('new-password-2', 4096)), true);
    });
    const fresh = await t.session('olga', 'new-password-2', 'new');
    const pete = await t.session('pete', 'pete-password', 'p');
    pete.send(chat('olga@localhost/new', 'to the new olga'));
    await fresh.expect((el) => el.name === 'message' && el.getChildText('body') === 'to the new olga');
    const before = await mamQuery(fresh, {});
    assert.deepEqual(before.messages.map((m) => m.getChildText('body')), ['to the new olga'], 'archived for the new account');
    await t.check();
    assert.equal(await old.streamError(), 'not-authorized', 'the deleted account\'s session ends');
    // Storage removed the old account's archive with it; what the new one archived since is its own.
    const after = await mamQuery(fresh, {});
    assert.deepEqual(after.messages.map((m) => m.getChildText('body')), ['to the new olga'], 'the new account keeps its archive');
  });
});

describe('an account changed outside the server (account records cached)', () => {
  const t = handChecked(100);

  it('a login with the old password served from the cache before the server noticed the change ends at the check', async () => {
    await t.ts.addUser('kim@localhost', 'kim-password-1');
    const before = await t.session('kim', 'kim-password-1', 'before');
    await t.passwd('kim', 'kim-password-2');
    // Not noticed yet: the cached record still lets the old password in.
    const late = await t.session('kim', 'kim-password-1', 'late');
    await t.check();
    assert.equal(await before.streamError(), 'reset');
    assert.equal(await late.streamError(), 'reset', 'the late login with the old password ends too');
    const fresh = await t.session('kim', 'kim-password-2', 'fresh');
    await t.check();
    await alive([fresh], 'the new password logs in and stays');
  });
});
