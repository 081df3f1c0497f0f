// The SQL storage: one knex implementation for SQLite (sqlite3 driver, which runs queries on
// the libuv thread pool and so never blocks the event loop) and PostgreSQL (pg). Only files
// under src/storage/knex/ import knex.
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Database as SqliteDatabase } from 'sqlite3';
import { silentLogger, type Logger } from '../../util/log.js';
import type { Storage } from '../types.js';
import { knexAccountStore } from './accounts.js';
import { knexArchiveStore } from './archive.js';
import { knexBlockStore } from './blocklist.js';
import { knexCapsStore } from './caps.js';
import { knexFastTokenStore } from './fast-tokens.js';
import { knexInviteStore } from './invites.js';
import { knexKeyValueStore } from './kv.js';
import { knexOfflineStore } from './offline.js';
import { knexPubsubStore } from './pubsub.js';
import { knexPushStore } from './push.js';
import { knexRosterStore } from './roster.js';
import { MIGRATIONS as MIGRATION_LIST, migrationSource } from './migrations/index.js';
import { withFileLock } from './migrate-lock.js';
import { migrationsUpToDate } from './up-to-date.js';
import { knexReader, lazySqliteReader } from './fast-read.js';
import { pgReader } from './pg-read.js';

export interface KnexStorageConfig {
  driver: 'sqlite' | 'postgres';
  /** SQLite file (relative to the working directory unless absolute), or ':memory:'. */
  path?: string;
  /** PostgreSQL connection URL. */
  url?: string;
  /** PostgreSQL pool upper bound (default 10). SQLite always uses exactly one connection. */
  poolMax?: number;
  /**
   * PostgreSQL: the hot point reads as named prepared statements (pg-read.ts; default true).
   * Off for a connection pooler in transaction mode that does not keep them.
   */
  preparedStatements?: boolean;
}

/** The settings an SQLite connection actually runs with (diagnostics and tests). */
export interface SqlitePragmas {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeout: number;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export interface KnexStorage extends Storage {
  readonly kind: 'sqlite' | 'postgres';
  /** Undoes every applied migration, newest first (tests; `starling migrate --down`). */
  rollbackAll(): Promise<void>;
  migrationStatus(): Promise<MigrationStatus>;
  /** SQLite only; undefined for PostgreSQL. */
  sqlitePragmas(): Promise<SqlitePragmas | undefined>;
}

export function isKnexStorage(storage: Storage): storage is KnexStorage {
  return (storage.kind === 'sqlite' || storage.kind === 'postgres') && 'rollbackAll' in storage;
}

const MIGRATIONS_TABLE = 'knex_migrations';
const MIGRATIONS: Knex.MigratorConfig = { migrationSource, tableName: MIGRATIONS_TABLE };
const MIGRATION_NAMES = MIGRATION_LIST.map((m) => m.name);

/** Statements run on every new SQLite connection, before the pool hands it out. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const SQLITE_SETUP = [
  'PRAGMA journal_mode=WAL',
  'PRAGMA synchronous=NORMAL',
  'PRAGMA foreign_keys=ON',
  `PRAGMA busy_timeout=${SQLITE_BUSY_TIMEOUT_MS}`,
];

function sqliteAfterCreate(log: Logger, inMemory: boolean) {
  return (conn: SqliteDatabase, done: (err: Error | null, conn: SqliteDatabase) => void): void => {
    let i = 0;
    const next = (err: Error | null, row?: Record<string, unknown>): void => {
      if (err) return done(err, conn);
      if (i === 1 && !inMemory && row?.journal_mode !== 'wal') {
        log.warn('sqlite: WAL journal mode not available', { journal_mode: row?.journal_mode });
      }
      const sql = SQLITE_SETUP[i++];
      if (sql === undefined) return done(null, conn);
      conn.get(sql, next);
    };
    next(null);
  };
}

function isMemoryPath(p: string): boolean {
  return p === ':memory:' || p.startsWith('file:');
}

/**
 * The database holds account keys, messages and archives: a new file and new folders are for
 * the server's user alone (SQLite gives its -wal and -shm files the database file's mode). A
 * file made before keeps its mode; a warning says so when every user may read it.
 */
async function makePrivate(filename: string, log: Logger): Promise<void> {
  await mkdir(dirname(filename), { recursive: true, mode: 0o700 });
  await (await open(filename, 'a', 0o600)).close();
  const { mode } = await stat(filename);
  if (mode & 0o004) log.warn('sqlite: every user of this machine can read the database file', { path: filename, mode: (mode & 0o777).toString(8) });
}

async function sqliteConfig(path: string | undefined, log: Logger): Promise<Knex.Config> {
  if (!path) throw new Error('storage: driver sqlite needs a path');
  const inMemory = isMemoryPath(path);
  const filename = inMemory ? path : resolve(path);
  if (!inMemory) await makePrivate(filename, log);
  return {
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: { min: 1, max: 1, afterCreate: sqliteAfterCreate(log, inMemory) },
  };
}

function postgresConfig(url: string | undefined, poolMax: number | undefined): Knex.Config {
  if (!url) throw new Error('storage: driver postgres needs a url');
  return { client: 'pg', connection: url, pool: { min: 0, max: poolMax ?? 10 } };
}

/** Where the store lives, for logs: never the password of a connection URL. */
function describeTarget(cfg: KnexStorageConfig): string {
  if (cfg.driver === 'sqlite') return cfg.path ?? '';
  try {
    const u = new URL(cfg.url ?? '');
    return `${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}`;
  } catch {
    return '(unparsable url)';
  }
}

/**
 * knex's own messages (a pooled connection lost, say) as structured lines of the server's log
 * instead of plain text on the console. Only strings and error messages are passed on: knex's
 * objects may hold a query's bound values (message bodies, status texts).
 */
function knexLog(log: Logger): Knex.Logger {
  const text = (m: unknown): string => (typeof m === 'string' ? m : m instanceof Error ? m.message : '(not shown)');
  return {
    warn: (m: unknown) => log.warn('storage: database client warning', { detail: text(m) }),
    error: (m: unknown) => log.error('storage: database client error', { detail: text(m) }),
    debug: (m: unknown) => log.debug('storage: database client debug', { detail: text(m) }),
    deprecate: (method, alternative) => log.warn('storage: deprecated database client call', { method, alternative }),
  };
}

function openKnex(config: Knex.Config, driver: string, log: Logger): Knex {
  try {
    // A failed statement's error carries its SQL with placeholders, not with the values, which
    // may be message bodies or status texts and would otherwise reach the logs.
    return knexFactory({ ...config, compileSqlOnError: false, log: knexLog(log) });
  } catch (err) {
    // knex loads the driver module here; pg is an optional dependency.
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`storage: cannot load the ${driver} driver: ${msg}`);
  }
}

async function readPragma(db: Knex, name: string): Promise<unknown> {
  // The result column is not always named after the pragma (busy_timeout's is 'timeout').
  const rows: Record<string, unknown>[] = await db.raw(`PRAGMA ${name}`);
  const row = rows[0];
  return row ? Object.values(row)[0] : undefined;
}

export async function createKnexStorage(cfg: KnexStorageConfig, log: Logger = silentLogger): Promise<KnexStorage> {
  const config = cfg.driver === 'sqlite' ? await sqliteConfig(cfg.path, log) : postgresConfig(cfg.url, cfg.poolMax);
  const db = openKnex(config, cfg.driver === 'sqlite' ? 'sqlite3' : 'pg', log);
  log.debug('storage opened', { driver: cfg.driver, target: describeTarget(cfg) });
  let closed = false;
  const reader = cfg.driver === 'postgres' ? (cfg.preparedStatements === false ? knexReader(db) : pgReader(db))
    : cfg.path && !isMemoryPath(cfg.path) ? lazySqliteReader(resolve(cfg.path), SQLITE_BUSY_TIMEOUT_MS)
    : knexReader(db);

  return {
    kind: cfg.driver,
    accounts: knexAccountStore(db, reader),
    keyValue: knexKeyValueStore(db, reader),
    roster: knexRosterStore(db, reader),
    offline: knexOfflineStore(db, reader, cfg.driver),
    blocklist: knexBlockStore(db, reader),
    invites: knexInviteStore(db),
    pubsub: knexPubsubStore(db, cfg.driver),
    caps: knexCapsStore(db),
    archive: knexArchiveStore(db, reader),
    push: knexPushStore(db, cfg.driver),
    fastTokens: knexFastTokenStore(db),

    async migrate() {
      // Every start of a current database takes this path: two reads instead of knex's lock dance.
      if (await migrationsUpToDate(db, MIGRATIONS_TABLE, MIGRATION_NAMES)) return;
      const latest = async (): Promise<[number, string[]]> => (await db.migrate.latest(MIGRATIONS)) as [number, string[]];
      const [, applied] = cfg.driver === 'sqlite' && cfg.path ? await withFileLock(isMemoryPath(cfg.path) ? ':memory:' : resolve(cfg.path), latest) : await latest();
      if (applied.length) log.info('storage migrated', { driver: cfg.driver, applied });
    },

    async rollbackAll() {
      const [, undone] = (await db.migrate.rollback(MIGRATIONS, true)) as [number, string[]];
      if (undone.length) log.info('storage migrations rolled back', { driver: cfg.driver, undone });
    },

    async migrationStatus() {
      const [completed, pending] = (await db.migrate.list(MIGRATIONS)) as [{ name: string }[], unknown[]];
      return {
        applied: completed.map((c) => c.name),
        pending: pending.map((p) => migrationSource.getMigrationName(p as never)),
      };
    },

    async sqlitePragmas() {
      if (cfg.driver !== 'sqlite') return undefined;
      return {
        journalMode: String(await readPragma(db, 'journal_mode')),
        synchronous: Number(await readPragma(db, 'synchronous')),
        foreignKeys: Number(await readPragma(db, 'foreign_keys')) === 1,
        busyTimeout: Number(await readPragma(db, 'busy_timeout')),
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await reader.close();
      await db.destroy();
    },
  };
}

