// Reads starling.yaml: YAML 1.2 (core schema, no custom tags, bounded size and alias expansion),
// validated by the zod schema in schema.ts. Every problem names the file, line, column and key
// path, and all of them are reported at once so an admin fixes the file in one pass.
//
// Environment: STARLING_LOG_LEVEL, when set and not empty, replaces log.level (an invalid value
// is reported like a bad key). It applies to defaultConfig() as well as to loaded files.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, LOG_LEVELS } from './schema.js';
import type { Config, LogLevel } from './types.js';
import { offsetOf, pathAt, rootOffset, yamlFeatureProblems, type Path, type Target } from './yaml-nodes.js';

/**
 * A config is validated once per start or reload. zod would first generate and compile a fast
 * path for each object schema (new Function), which costs more than that one parse (~15 ms of a
 * start); `jitless` parses the same way without it. Module options are parsed likewise.
 */
const ONE_SHOT = { jitless: true } as const;

/** Larger files are refused: a config is a few KiB, anything bigger is the wrong file. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Bound on alias expansion (yaml's `maxAliasCount`), against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;
/** The YAML 1.2 core tags; any other explicit tag (`!!binary`, `!!set`, `!custom`) is refused. */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  /** Each: "<file>:<line>:<col>: <key.path>: <what is wrong>". */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: Config;
  /** "file:line:col" for a key path, or the file name when unknown */
  locate(path: (string | number)[]): string;
}

/** Parses and validates config text; `sourceName` is used in messages. Throws ConfigError. */
export function parseConfig(text: string, sourceName: string, env: Env = process.env): LoadedConfig {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    throw new ConfigError([`${sourceName}: the file is ${bytes} bytes, more than the ${MAX_CONFIG_BYTES} allowed for a configuration`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const where = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${sourceName}:${line}:${col}`;
  };
  const problems = new Problems();

  // 1. YAML itself. Unresolved tags are reported below with the other tag problems.
  const yamlProblems = [...doc.errors, ...doc.warnings]
    .filter((e) => e.code !== 'TAG_RESOLVE_FAILED')
    .map((e) => ({ offset: e.pos[0], message: e.message }))
    .concat(yamlFeatureProblems(doc));
  for (const { offset, message } of yamlProblems) {
    const path = pathAt(doc, offset);
    problems.add(offset, `${where(offset)}: ${path.length ? `${keyPath(path)}: ` : ''}${message}`);
  }
  const yamlBroken = problems.count > 0;
  const envLevel = logLevelFromEnv(env);
  if (typeof envLevel === 'object') problems.add(undefined, envLevel.problem);
  if (yamlBroken) problems.throwIfAny();

  // 2. The schema.
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount.
    throw new ConfigError([`${sourceName}: aliases expand too much (${err instanceof Error ? err.message : String(err)})`]);
  }
  const locate = (path: (string | number)[]): string => {
    const offset = offsetOf(doc, path, 'value');
    return offset === undefined ? sourceName : where(offset);
  };
  const result = configSchema.safeParse(data, { reportInput: true, ...ONE_SHOT });
  if (!result.success) {
    for (const issue of result.error.issues) {
      for (const p of describeIssue(issue)) {
        const offset = offsetOf(doc, p.path, p.target) ?? rootOffset(doc);
        problems.add(offset, `${where(offset)}: ${keyPath(p.path)}: ${p.message}`);
      }
    }
    throw problems.error() ?? new ConfigError([`${sourceName}: invalid configuration`]);
  }
  problems.throwIfAny(); // the environment

  const config: Config = result.data;
  if (typeof envLevel === 'string') config.log.level = envLevel;
  return { config, locate };
}

/** Reads and validates a config file; config.source is its absolute path. Throws ConfigError. */
export async function loadConfig(file: string, env: Env = process.env): Promise<LoadedConfig> {
  const source = resolve(file);
  const loaded = parseConfig(await readConfigText(file, source), file, env);
  loaded.config.source = source;
  return loaded;
}

/** The built-in defaults with one host, localhost (used when there is no config file). */
export function defaultConfig(env: Env = process.env): Config {
  const config: Config = configSchema.parse({ hosts: { localhost: {} } }, ONE_SHOT);
  const level = logLevelFromEnv(env);
  if (typeof level === 'object') throw new ConfigError([level.problem]);
  if (level !== undefined) config.log.level = level;
  return config;
}

// ---- reading ---------------------------------------------------------------------------------

async function readConfigText(file: string, absolute: string): Promise<string> {
  const fail = (what: string): never => {
    throw new ConfigError([`${file}: cannot read the configuration file: ${what}`]);
  };
  let handle;
  try {
    handle = await open(absolute, 'r');
  } catch (err) {
    return fail(fsReason(err));
  }
  try {
    if (!(await handle.stat()).isFile()) fail('not a regular file');
    // Read at most one byte past the limit, so a huge file (or a device) is never slurped.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) fail(`it is larger than ${MAX_CONFIG_BYTES} bytes`);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
    } catch {
      return fail('it is not UTF-8 text');
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return fail(fsReason(err));
  } finally {
    await handle.close();
  }
}

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return err instanceof Error ? err.message : String(err);
}

// ---- environment -----------------------------------------------------------------------------

function logLevelFromEnv(env: Env): LogLevel | { problem: string } | undefined {
  const value = env.STARLING_LOG_LEVEL;
  if (value === undefined || value === '') return undefined;
  const level = value.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  return { problem: `environment: STARLING_LOG_LEVEL: expected one of: ${LOG_LEVELS.join(', ')}, got ${describe(value)}` };
}

// ---- issues -> problems ----------------------------------------------------------------------


class Problems {
  private readonly list: { offset: number | undefined; text: string }[] = [];

  get count(): number {
    return this.list.length;
  }

  add(offset: number | undefined, text: string): void {
    if (!this.list.some((p) => p.text === text)) this.list.push({ offset, text });
  }

  /** Throws them in file order; problems without a place come last. */
  throwIfAny(): void {
    const error = this.error();
    if (error) throw error;
  }

  error(): ConfigError | undefined {
    if (this.list.length === 0) return undefined;
    const order = (o: number | undefined): number => o ?? Number.MAX_SAFE_INTEGER;
    const sorted = this.list.map((p, i) => ({ ...p, i })).sort((a, b) => order(a.offset) - order(b.offset) || a.i - b.i);
    return new ConfigError(sorted.map((p) => p.text));
  }
}

function describeIssue(issue: z.core.$ZodIssue): { path: Path; target: Target; message: string }[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const input: unknown = issue.input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], target: 'key' as const, message: issue.message }));
    case 'invalid_key':
      return [{ path, target: 'key', message: issue.issues[0]?.message ?? issue.message }];
    case 'invalid_type':
      if (input === undefined) return [{ path, target: 'value', message: `missing (${issue.message})` }];
      return [{ path, target: 'value', message: `${issue.message}, got ${describe(input)}` }];
    default: {
      const target: Target = issue.code === 'custom' && issue.params?.at === 'key' ? 'key' : 'value';
      // Echo scalars only, and never a URL: it may carry a database password.
      const echo = isScalarValue(input) && path.at(-1) !== 'url' && target === 'value';
      return [{ path, target, message: echo ? `${issue.message}, got ${describe(input)}` : issue.message }];
    }
  }
}

function isScalarValue(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** A value as an admin wrote it, briefly. */
function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return json.length > 60 ? `${json.slice(0, 56)}..."` : json;
  }
  return String(value);
}

function keyPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

