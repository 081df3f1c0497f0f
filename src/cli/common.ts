// Shared pieces of the command-line interface: exit codes, config resolution, the storage a
// command works on, and errors.
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, defaultConfig, loadConfig, type LoadedConfig } from '../config/loader.js';
import type { Config } from '../config/types.js';
import { createStorage, sqliteFile } from '../storage/index.js';
import type { Storage } from '../storage/types.js';

export const EXIT = {
  OK: 0,
  /** The operation failed (e.g. the account exists already). */
  FAILED: 1,
  /** Wrong usage: unknown command or option, missing argument. */
  USAGE: 2,
  /** The configuration is invalid (sysexits EX_CONFIG). */
  CONFIG: 78,
  /** Ctrl-C at a prompt (128 + SIGINT, as shells report it). */
  INTERRUPTED: 130,
} as const;

export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.FAILED) {
    super(message);
  }
}

export const DEFAULT_CONFIG_FILE = 'config/starling.yaml';

/**
 * The config in use: --config, else $STARLING_CONFIG, else config/starling.yaml when it exists,
 * else the built-in defaults (one host, localhost).
 */
export async function resolveConfig(explicit: string | undefined): Promise<LoadedConfig & { file: string | undefined }> {
  const file = explicit ?? process.env.STARLING_CONFIG ?? (await exists(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  try {
    if (file === undefined) {
      const config = defaultConfig();
      return { config, locate: () => 'built-in defaults', file };
    }
    return { ...(await loadConfig(resolve(file))), file };
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.problems.join('\n'), EXIT.CONFIG);
    throw err;
  }
}

/**
 * The storage a command works on. Nothing the CLI does could outlive it in memory, so the
 * memory driver is refused. A SQLite database that is not there yet (its path is relative to
 * data_dir, itself relative to the folder the command runs in) is made only when `mayCreate`,
 * as before a server's first start, and `made` then names it; any other command stops instead
 * of working on an empty database the server never sees.
 */
export async function openStorage(config: Config, mayCreate: boolean): Promise<{ storage: Storage; made: string | undefined }> {
  const { storage: section } = config;
  if (section.driver === 'memory') {
    throw new CliError("storage.driver is 'memory', whose data lives only as long as one process: the commands need sqlite or postgres", EXIT.CONFIG);
  }
  const dataDir = resolve(config.data_dir);
  let made: string | undefined;
  const file = sqliteFile(section, dataDir);
  if (file !== undefined) {
    if (!(await exists(file))) {
      if (!mayCreate) throw new CliError(`there is no database at ${file}: run the command in the server's folder, or give its configuration with -c`);
      made = file;
    }
  }
  return { storage: await createStorage(section, dataDir), made };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
