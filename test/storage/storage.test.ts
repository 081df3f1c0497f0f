// Runs the storage contract against every implementation, plus the SQLite-specific rules:
// WAL and the other connection pragmas, migrations down to zero and back, durability across
// a reopen, and path handling in createStorage.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import sqlite3 from 'sqlite3';
import type { StorageSection } from '../../src/config/types.js';
import { createStorage } from '../../src/storage/index.js';
import { createKnexStorage, isKnexStorage, type KnexStorage } from '../../src/storage/knex/index.js';
import { MIGRATIONS, migrationSource } from '../../src/storage/knex/migrations/index.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { makeCredentials, storageContract } from './contract.js';

const ALL_MIGRATIONS = MIGRATIONS.map((m) => m.name);

function section(over: Partial<StorageSection>): StorageSection {
  return { driver: 'sqlite', path: 'starling.db', pool_max: 1, prepared_statements: true, account_cache: 0, ...over };
}

/** Runs one query on a separate, plain sqlite3 connection (not through our pool). */
function rawSqlite<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (openErr) => {
      if (openErr) return reject(openErr);
      db.all(sql, (err, rows) => {
        db.close(() => (err ? reject(err) : resolve(rows as T[])));
      });
    });
  });
}

async function openSqlite(file: string): Promise<KnexStorage> {
  const s = await createKnexStorage({ driver: 'sqlite', path: file });
  await s.migrate();
  return s;
}

/**
 * Migration 0013 on a schema at the latest version, through a plain knex connection (as plain
 * SQL or another process would write): credential writes and deletions are noted by kind, its
 * down keeps the deletion notes not yet read (and 0012's trigger notes again), and up again
 * keeps them as deletions.
 */
async function checkAccountNotesMigration(k: Knex): Promise<void> {
  for (const username of ['alice', 'bob', 'carol']) {
    const c = makeCredentials();
    await k('accounts').insert({ host: 'example.org', username, created_at: new Date() });
    await k('account_credentials').insert((['sha1', 'sha256'] as const).map((hash) => ({
      host: 'example.org', username, hash, salt: c[hash].salt, iterations: c[hash].iterations, stored_key: c[hash].storedKey, server_key: c[hash].serverKey,
    })));
  }
  const noted = async (): Promise<string[]> => (await k('account_notes').orderBy('seq').select('kind', 'username')).map((r: { kind: string; username: string }) => `${r.kind}:${r.username}`);
  assert.deepEqual(await noted(), ['credentials:alice', 'credentials:alice', 'credentials:bob', 'credentials:bob', 'credentials:carol', 'credentials:carol'], 'a row written, a note');
  await k('account_notes').delete();
  await k('account_credentials').where({ username: 'alice', hash: 'sha1' }).update({ iterations: 5000 });
  await k('accounts').where({ username: 'bob' }).delete();
  assert.deepEqual(await noted(), ['credentials:alice', 'deleted:bob']);

  const config = { migrationSource, tableName: 'knex_migrations' };
  // Down to 0012: the migrations after 0013 first, then 0013 itself.
  const after0013 = MIGRATIONS.length - MIGRATIONS.findIndex((m) => m.name === '0013_account_notes');
  for (let i = 0; i < after0013; i++) await k.migrate.down(config);
  assert.deepEqual((await k('account_deletions').select('username')).map((r: { username: string }) => r.username), ['bob'], 'the deletion not yet read is kept');
  await k('accounts').where({ username: 'carol' }).delete();
  await k('account_credentials').where({ username: 'alice' }).update({ iterations: 6000 });
  assert.deepEqual((await k('account_deletions').orderBy('seq').select('username')).map((r: { username: string }) => r.username), ['bob', 'carol'], "0012's trigger notes again");

  await k.migrate.latest(config);
  assert.deepEqual(await noted(), ['deleted:bob', 'deleted:carol']);
  await k('account_credentials').where({ username: 'alice' }).update({ iterations: 7000 });
  assert.deepEqual(await noted(), ['deleted:bob', 'deleted:carol', 'credentials:alice', 'credentials:alice']);
}

describe('storage', function () {
  storageContract('memory', async () => createStorage(section({ driver: 'memory' }), '/nonexistent'));

  describe('sqlite', function () {
    let dir = '';
    let n = 0;
    before(async function () {
      dir = await mkdtemp(join(tmpdir(), 'starling-storage-'));
    });
    after(async function () {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    // A relative path, so every contract run also checks that createStorage resolves it under dataDir.
    storageContract('sqlite', async () => createStorage(section({ path: `contract-${n++}.db` }), dir));

    describe('sqlite specifics', function () {
      it('every connection runs with WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout=5000', async function () {
        const file = join(dir, 'pragmas.db');
        const s = await openSqlite(file);
        try {
          assert.deepEqual(await s.sqlitePragmas(), { journalMode: 'wal', synchronous: 1, foreignKeys: true, busyTimeout: 5000 });
        } finally {
          await s.close();
        }
        // WAL is a property of the file: a separate connection sees it too.
        const rows = await rawSqlite<{ journal_mode: string }>(file, 'PRAGMA journal_mode');
        assert.equal(rows[0]?.journal_mode, 'wal');
      });

      it('migrations roll back to zero (every down works) and up again to a working store', async function () {
        const file = join(dir, 'migrations.db');
        const s = await openSqlite(file);
        try {
          assert.deepEqual(await s.migrationStatus(), { applied: ALL_MIGRATIONS, pending: [] });
          await s.accounts.create('example.org', 'alice', makeCredentials());
          await s.keyValue.set('example.org', 'alice', 'k', 'v');

          await s.rollbackAll();
          assert.deepEqual(await s.migrationStatus(), { applied: [], pending: ALL_MIGRATIONS });
          const tables = await rawSqlite<{ name: string }>(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
          assert.deepEqual(
            tables.map((t) => t.name).filter((t) => !t.startsWith('knex_migrations') && !t.startsWith('sqlite_')),
            [],
            'down drops every table up created',
          );

          await s.migrate();
          assert.deepEqual(await s.migrationStatus(), { applied: ALL_MIGRATIONS, pending: [] });
          assert.equal(await s.accounts.get('example.org', 'alice'), undefined);
          assert.equal(await s.accounts.create('example.org', 'alice', makeCredentials()), true);
          await s.keyValue.set('example.org', 'alice', 'k', 'v2');
          assert.equal(await s.keyValue.get('example.org', 'alice', 'k'), 'v2');
          assert.equal(await s.accounts.delete('example.org', 'alice'), true);
          assert.equal(await s.keyValue.get('example.org', 'alice', 'k'), undefined);
        } finally {
          await s.close();
        }
      });

      it('data survives close and reopen of the same file', async function () {
        const file = join(dir, 'durable.db');
        const creds = makeCredentials();
        const first = await openSqlite(file);
        await first.accounts.create('example.org', 'alice', creds);
        await first.keyValue.set('example.org', 'alice', 'k', 'kept');
        const created = (await first.accounts.get('example.org', 'alice'))?.createdAt;
        await first.close();

        const second = await createStorage(section({ path: file }), '/ignored-because-absolute');
        try {
          const rec = await second.accounts.get('example.org', 'alice');
          assert.ok(rec);
          assert.ok(rec.credentials.sha256.serverKey.equals(creds.sha256.serverKey));
          assert.equal(rec.createdAt.getTime(), created?.getTime());
          assert.equal(await second.keyValue.get('example.org', 'alice', 'k'), 'kept');
          assert.deepEqual(await second.accounts.list('example.org'), ['alice']);
        } finally {
          await second.close();
        }
      });

      it('a change made with plain SQL on another connection moves the account epoch (migration 0011 triggers)', async function () {
        const file = join(dir, 'epoch.db');
        const s = await openSqlite(file);
        try {
          await s.accounts.create('example.org', 'alice', makeCredentials());
          await s.accounts.create('example.org', 'bob', makeCredentials());
          const write = (sql: string): Promise<void> => new Promise((resolve, reject) => {
            const db = new sqlite3.Database(file, (openErr) => {
              if (openErr) return reject(openErr);
              db.run(sql, (err) => db.close(() => (err ? reject(err) : resolve())));
            });
          });
          let last = await s.accounts.epoch();
          for (const sql of [
            "UPDATE account_credentials SET iterations = 5000 WHERE username = 'alice'",
            "DELETE FROM account_credentials WHERE username = 'alice' AND hash = 'sha1'",
            "DELETE FROM accounts WHERE username = 'bob'",
          ]) {
            await write(sql);
            const now = await s.accounts.epoch();
            assert.notEqual(now, last, sql);
            last = now;
          }
          await write("INSERT INTO kv (host, username, key, value) VALUES ('example.org', 'alice', 'x', 'y')");
          assert.equal(await s.accounts.epoch(), last, 'other tables leave it');
        } finally {
          await s.close();
        }
      });

      it('migration 0013 notes credential writes and deletions made with plain SQL; its down keeps unread deletions', async function () {
        const file = join(dir, 'notes.db');
        await (await openSqlite(file)).close();
        const k = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
        try {
          await checkAccountNotesMigration(k);
        } finally {
          await k.destroy();
        }
      });

      it('a failed statement\'s error names the SQL but not the values bound to it (they may be user content)', async function () {
        const file = join(dir, 'errors.db');
        const s = await openSqlite(file);
        try {
          await new Promise<void>((resolve, reject) => {
            const db = new sqlite3.Database(file, (openErr) => {
              if (openErr) return reject(openErr);
              db.run('DROP TABLE kv', (err) => db.close(() => (err ? reject(err) : resolve())));
            });
          });
          const err = await s.keyValue.set('example.org', 'alice', 'last', 'a private status text').then(() => undefined, (e: unknown) => e);
          assert.ok(err instanceof Error, 'the write fails');
          assert.match(err.message, /no such table/);
          assert.match(err.message, /insert into/i);
          assert.doesNotMatch(err.message, /private status/);
        } finally {
          await s.close();
        }
      });

      it('createStorage puts a relative path under dataDir and creates missing folders', async function () {
        const s = await createStorage(section({ path: 'nested/deeper/starling.db' }), join(dir, 'data'));
        try {
          assert.ok(existsSync(join(dir, 'data', 'nested', 'deeper', 'starling.db')));
          assert.ok(isKnexStorage(s));
          assert.equal(s.kind, 'sqlite');
          assert.deepEqual((await s.migrationStatus()).pending, [], 'createStorage ran the migrations');
        } finally {
          await s.close();
        }
      });

      it('createStorage makes a new database file and its new folders private to the server\'s user (0600, 0700)', async function () {
        const s = await createStorage(section({ path: 'private/starling.db' }), join(dir, 'data'));
        try {
          await s.accounts.create('example.org', 'alice', makeCredentials());
          for (const [file, mode] of [['private/starling.db', 0o600], ['private/starling.db-wal', 0o600], ['private', 0o700]] as const) {
            assert.equal((await stat(join(dir, 'data', file))).mode & 0o777, mode, file);
          }
        } finally {
          await s.close();
        }
      });

      it('a database that cannot be opened is named in the error: the SQLite file, or PostgreSQL server and database without the password', async function () {
        await writeFile(join(dir, 'not-a-folder'), 'x');
        await assert.rejects(createStorage(section({ path: 'not-a-folder/starling.db' }), dir),
          (err: Error) => err.message.startsWith(`cannot open the SQLite database ${join(dir, 'not-a-folder', 'starling.db')} (storage.path): `));
        await assert.rejects(createStorage(section({ driver: 'postgres', url: 'postgres://starling:hunter2@127.0.0.1:1/chat' }), dir),
          (err: Error) => err.message.startsWith('cannot open the PostgreSQL database 127.0.0.1:1/chat (storage.url): ') && !err.message.includes('hunter2'));
      });

      it('an in-memory SQLite database works with the single pooled connection', async function () {
        const s = await createStorage(section({ path: ':memory:' }), dir);
        try {
          assert.equal(await s.accounts.create('example.org', 'alice', makeCredentials()), true);
          assert.equal(await s.accounts.count('example.org'), 1);
        } finally {
          await s.close();
        }
      });
    });
  });

  describe('postgres', function () {
    const url = process.env.STARLING_TEST_PG_URL;
    before(function () {
      // Needs a disposable database: every test drops and recreates the schema.
      if (!url) this.skip();
    });

    storageContract(url ? 'postgres' : 'postgres (skipped: no PostgreSQL for the tests, see test/support/pg-cluster.ts)', async () => {
      const s = await createKnexStorage({ driver: 'postgres', url: url ?? '', poolMax: 5 });
      await s.rollbackAll();
      await s.migrate();
      return s;
    });
    it('migration 0013 notes credential writes and deletions made with plain SQL; its down keeps unread deletions', async function () {
      const s = await createKnexStorage({ driver: 'postgres', url: url ?? '', poolMax: 5 });
      await s.rollbackAll();
      await s.migrate();
      await s.close();
      const k = knexFactory({ client: 'pg', connection: url });
      try {
        await checkAccountNotesMigration(k);
      } finally {
        await k.destroy();
      }
    });
  });

  describe('memory specifics', function () {
    it('a closed memory store rejects further calls', async function () {
      const s = createMemoryStorage();
      await s.close();
      await assert.rejects(s.accounts.count('example.org'));
    });
  });
});
