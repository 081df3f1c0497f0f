// The start-up check "is the schema current?" (storage/knex/up-to-date.ts): true only in the
// state where knex's migrate.latest would do nothing and succeed, so that skipping latest never
// hides a pending migration, a stuck lock or a migration list knex calls corrupt.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { createKnexStorage } from '../../src/storage/knex/index.js';
import { MIGRATIONS, migrationSource } from '../../src/storage/knex/migrations/index.js';
import { migrationsUpToDate } from '../../src/storage/knex/up-to-date.js';

const NAMES = MIGRATIONS.map((m) => m.name);
const TABLE = 'knex_migrations';

describe('storage/knex: migrationsUpToDate', function () {
  let dir = '';
  let n = 0;
  let file = '';
  let db: Knex;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'starling-uptodate-'));
  });
  after(async function () {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(function () {
    file = join(dir, `db-${n++}.sqlite`);
    db = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  });
  afterEach(async function () {
    await db.destroy();
  });

  async function migrateAll(): Promise<void> {
    const s = await createKnexStorage({ driver: 'sqlite', path: file });
    try {
      await s.migrate();
    } finally {
      await s.close();
    }
  }

  /** migrate() through a store of our own, as a server start does. */
  async function migrateViaStore(): Promise<string[]> {
    const s = await createKnexStorage({ driver: 'sqlite', path: file });
    try {
      await s.migrate();
      return (await s.migrationStatus()).pending;
    } finally {
      await s.close();
    }
  }

  it('is false on a new database (no bookkeeping tables), true once migrated', async function () {
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), false);
    await migrateAll();
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), true);
  });

  it('is false while migrations are pending, and migrate() then applies them', async function () {
    await db.migrate.up({ migrationSource, tableName: TABLE });
    await db.migrate.up({ migrationSource, tableName: TABLE });
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), false);
    assert.deepEqual(await migrateViaStore(), []);
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), true);
  });

  it('is false when the lock is held, and migrate() fails as knex does', async function () {
    await migrateAll();
    await db('knex_migrations_lock').update({ is_locked: 1 });
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), false);
    await assert.rejects(migrateViaStore(), /Migration table is already locked/);
  });

  it('is false when an unknown migration is recorded, and migrate() reports the list as knex does', async function () {
    await migrateAll();
    await db(TABLE).insert({ name: '9999_from_a_newer_version', batch: 2, migration_time: new Date() });
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), false);
    await assert.rejects(migrateViaStore(), /9999_from_a_newer_version/);
  });

  it('is false unless exactly one lock row is free', async function () {
    await migrateAll();
    await db('knex_migrations_lock').insert({ is_locked: 0 });
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), false);
    await db('knex_migrations_lock').del();
    assert.equal(await migrationsUpToDate(db, TABLE, NAMES), false);
  });
});
