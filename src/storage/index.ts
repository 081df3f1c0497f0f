// Picks the storage implementation from the config and brings its schema up to date. Each
// implementation is loaded only when configured: memory-backed tests and tools never load knex
// or the native sqlite3 binding, and a SQL-backed server does not load the memory stores.
import { isAbsolute, resolve } from 'node:path';
import type { StorageSection } from '../config/types.js';
import { silentLogger, type Logger } from '../util/log.js';
import type { Storage } from './types.js';

/** The SQLite database file a config names (relative to `dataDir`); undefined for the others. */
export function sqliteFile(cfg: StorageSection, dataDir: string): string | undefined {
  if (cfg.driver !== 'sqlite' || cfg.path === ':memory:') return undefined;
  return isAbsolute(cfg.path) ? cfg.path : resolve(dataDir, cfg.path);
}

export async function createStorage(cfg: StorageSection, dataDir: string, log: Logger = silentLogger): Promise<Storage> {
  let storage: Storage;
  if (cfg.driver === 'memory') {
    const { createMemoryStorage } = await import('./memory/index.js');
    storage = createMemoryStorage();
  } else {
    const { createKnexStorage } = await import('./knex/index.js');
    const path = sqliteFile(cfg, dataDir) ?? cfg.path;
    try {
      storage = await createKnexStorage({ driver: cfg.driver, path, url: cfg.url, poolMax: cfg.pool_max, preparedStatements: cfg.prepared_statements }, log);
    } catch (err) {
      throw openError(cfg, path, err);
    }
  }
  try {
    await storage.migrate();
  } catch (err) {
    await storage.close().catch(() => undefined); // the migration error is the one to report
    throw openError(cfg, sqliteFile(cfg, dataDir) ?? cfg.path, err);
  }
  return storage;
}

/**
 * An error that says which database could not be opened: the SQLite file, or the PostgreSQL
 * server and database (never the URL's user or password).
 */
function openError(cfg: StorageSection, path: string, err: unknown): Error {
  let what = cfg.driver === 'sqlite' ? `the SQLite database ${path} (storage.path)` : 'the database';
  if (cfg.driver === 'postgres') {
    try {
      const u = new URL(cfg.url ?? '');
      what = `the PostgreSQL database ${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname} (storage.url)`;
    } catch {
      what = 'the PostgreSQL database (storage.url)';
    }
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new Error(`cannot open ${what}: ${reason}`, { cause: err });
}
