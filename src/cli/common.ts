// Shared pieces of the command-line interface: exit codes, config resolution and errors.
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, defaultConfig, loadConfig, type LoadedConfig } from '../config/loader.js';

export const EXIT = {
  OK: 0,
  /** The operation failed (e.g. the account exists already). */
  FAILED: 1,
  /** Wrong usage: unknown command or option, missing argument. */
  USAGE: 2,
  /** The configuration is invalid (sysexits EX_CONFIG). */
  CONFIG: 78,
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

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
