// Structured, levelled logging: one JSON object per line (or a terse human line with
// format 'pretty'). Callers pass fields, never passwords, SASL payloads or message bodies.
import type { LogLevel } from '../config/types.js';

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  isEnabled(level: LogLevel): boolean;
  /** Changes the level of this logger and of every logger derived from the same root (reload). */
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format?: 'json' | 'pretty';
  /** Where lines go; defaults to process.stdout. */
  write?: (line: string) => void;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: clip(value.message, MAX_MESSAGE), stack: value.stack && clip(value.stack, MAX_STACK) };
  return value;
}

/** An error's message can be huge (a batched statement's SQL); its stack repeats the message. */
const MAX_MESSAGE = 2000;
const MAX_STACK = 4000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

export function createLogger(opts: LoggerOptions, bound: LogFields = {}, shared = { min: RANK[opts.level] }): Logger {
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  const pretty = opts.format === 'pretty';

  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < shared.min) return;
    const all: LogFields = { ...bound, ...fields };
    for (const k of Object.keys(all)) all[k] = serialise(all[k]);
    if (pretty) {
      const extra = Object.keys(all).length ? ' ' + JSON.stringify(all) : '';
      write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra}\n`);
    } else {
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }) + '\n');
    }
  };

  return {
    trace: (m, f) => emit('trace', m, f),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    fatal: (m, f) => emit('fatal', m, f),
    child: (fields) => createLogger(opts, { ...bound, ...fields }, shared),
    isEnabled: (level) => RANK[level] >= shared.min,
    setLevel: (level) => {
      shared.min = RANK[level];
    },
  };
}

/** A logger that drops everything (tests, CLI commands that print for themselves). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
