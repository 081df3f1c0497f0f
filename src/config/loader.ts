// Reads starling.yaml: YAML 1.2 (core schema, no custom tags, bounded size and alias expansion),
// validated by the zod schema in schema.ts. Every problem names the file, line, column and key
// path, and all of them are reported at once so an admin fixes the file in one pass.
//
// Environment: STARLING_LOG_LEVEL, when set and not empty, replaces log.level (an invalid value
// is reported like a bad key). It applies to defaultConfig() as well as to loaded files.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import { canonicalHostName, configSchema, LOG_LEVELS } from './schema.js';
import type { Config, LogLevel } from './types.js';

/** Larger files are refused: a config is a few KiB, anything bigger is the wrong file. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Bound on alias expansion (yaml's `maxAliasCount`), against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;
/** The YAML 1.2 core tags; any other explicit tag (`!!binary`, `!!set`, `!custom`) is refused. */
const ALLOWED_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

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
  const result = configSchema.safeParse(data, { reportInput: true });
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
  const config: Config = configSchema.parse({ hosts: { localhost: {} } });
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

type Path = (string | number)[];
/** Where a problem points: at the value, or at the key itself (unknown or invalid keys). */
type Target = 'value' | 'key';

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

// ---- YAML: features we refuse ----------------------------------------------------------------

function yamlFeatureProblems(doc: Document.Parsed): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== '1.2') {
    // A %YAML 1.1 directive would turn `yes`/`no`/`on` into booleans, among other surprises.
    found.push({ offset: 0, message: `%YAML ${version.version}: only YAML 1.2 is supported (remove the directive)` });
  }
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key) && isNode(pair.key)) {
        found.push({ offset: pair.key.range?.[0] ?? 0, message: 'keys must be plain names, not lists or mappings' });
      }
    },
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        found.push({ offset: alias.range?.[0] ?? 0, message: `alias *${alias.source} refers to no anchor defined before it` });
      }
    },
    Node(_, node, ancestors) {
      if (node.tag !== undefined && !ALLOWED_TAGS.has(node.tag)) {
        const tag = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
        // Point at the key whose value carries the tag: the value's range starts after the tag.
        const parent = ancestors.at(-1);
        const at = isPair(parent) && parent.value === node && isNode(parent.key) ? parent.key : node;
        found.push({ offset: at.range?.[0] ?? 0, message: `tag ${tag} is not allowed (only plain YAML values are)` });
      }
    },
  });
  return found;
}

// ---- YAML: key path <-> position -------------------------------------------------------------

interface Step {
  key: Node | undefined;
  value: Node | undefined;
}

/** Follows a key path through the document as far as it exists (aliases are followed). */
function walk(doc: Document.Parsed, path: Path): Step[] {
  const steps: Step[] = [];
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const items = node.items.filter((pair) => isScalar(pair.key));
      const keyText = (pair: (typeof items)[number]): string => String((pair.key as { value: unknown }).value);
      let pair = items.find((p) => keyText(p) === String(segment));
      // Host names are canonicalised (lower-cased): find "Example.ORG" for "example.org".
      if (!pair && i === 1 && path[0] === 'hosts') pair = items.find((p) => canonicalHostName(keyText(p)) === segment);
      if (!pair) break;
      node = pair.value;
      steps.push({ key: pair.key as Node, value: isNode(pair.value) ? pair.value : undefined });
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      steps.push({ key: undefined, value: isNode(node) ? node : undefined });
    } else {
      break;
    }
  }
  return steps;
}

/**
 * Offset of the node for `path`: a key when the target is a key, when the value is a mapping or
 * list (its key line reads best), or when the path ends beyond the file (a missing key: its
 * parent); otherwise the value itself. Undefined when not even the first key is in the file.
 */
function offsetOf(doc: Document.Parsed, path: Path, target: Target): number | undefined {
  const steps = walk(doc, path);
  const last = steps.at(-1);
  if (!last) return path.length === 0 ? rootOffset(doc) : undefined;
  const complete = steps.length === path.length;
  const value = last.value;
  const preferKey = target === 'key' || !complete || value === undefined || isMap(value) || isSeq(value);
  const node = preferKey && last.key ? last.key : (value ?? last.key);
  return node?.range?.[0] ?? rootOffset(doc);
}

function rootOffset(doc: Document.Parsed): number {
  return doc.contents?.range?.[0] ?? 0;
}

/** The key path of the deepest node that contains `offset` (for YAML syntax errors). */
function pathAt(doc: Document.Parsed, offset: number): Path {
  const path: Path = [];
  const inside = (n: unknown): boolean => isNode(n) && !!n.range && n.range[0] <= offset && offset < Math.max(n.range[2], n.range[0] + 1);
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (inside(p.key) || inside(p.value)));
      if (!pair || !isScalar(pair.key)) return path;
      path.push(String(pair.key.value));
      if (inside(pair.key)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex(inside);
      if (index === -1) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}
