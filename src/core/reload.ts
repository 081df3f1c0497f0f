// Configuration reload (SIGHUP): which parts of a new config apply to a running server and
// which wait for a restart. Pure functions; Server.reload does the swapping.
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config/types.js';

/** A reload that was refused; the running configuration stays in force. */
export class ReloadError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ReloadError';
  }
}

export interface ReloadReport {
  /** Settings outside the modules that changed and now apply, as dotted paths (no values). */
  applied: string[];
  /** Modules unloaded and loaded again (options changed), as `host/module`. */
  reloaded: string[];
  /** Modules newly enabled, as `host/module`. */
  loaded: string[];
  /** Modules disabled, as `host/module`. */
  unloaded: string[];
  /** Changed settings that only take effect after a restart (kept as they were). */
  needsRestart: string[];
}

/**
 * Settings bound at start: sockets, storage, the data folder, the set of hosts, the TLS version
 * floor and the login throttle's counters. Changes to them are reported and not applied.
 */
export function restartOnlyChanges(running: Config, next: Config): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
  const { starttls_required: _a, ...runningC2s } = running.listeners.c2s;
  const { starttls_required: _b, ...nextC2s } = next.listeners.c2s;
  if (!same(runningC2s, nextC2s)) out.push('listeners.c2s');
  if (!same(running.listeners.c2s_direct_tls, next.listeners.c2s_direct_tls)) out.push('listeners.c2s_direct_tls');
  if (!same(running.storage, next.storage)) out.push('storage');
  if (running.data_dir !== next.data_dir) out.push('data_dir');
  if (running.tls.min_version !== next.tls.min_version) out.push('tls.min_version');
  if (running.log.format !== next.log.format) out.push('log.format');
  const throttleKeys = ['max_failures_per_account', 'max_failures_per_address', 'throttle_window'] as const;
  for (const k of throttleKeys) if (running.auth[k] !== next.auth[k]) out.push(`auth.${k}`);
  const runningHosts = Object.keys(running.hosts);
  const nextHosts = Object.keys(next.hosts);
  for (const h of nextHosts) if (!runningHosts.includes(h)) out.push(`hosts.${h} (added)`);
  for (const h of runningHosts) if (!nextHosts.includes(h)) out.push(`hosts.${h} (removed)`);
  return out;
}

/**
 * The settings that differ between two configurations, as dotted paths to the deepest objects
 * that differ (a list counts as one value), leaving out module options (reported per module).
 * Paths only: values may be secrets.
 */
export function changedSettings(before: Config, after: Config): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (path === 'modules' || path === 'source' || /^hosts\.[^.]+\.modules$/.test(path)) return;
    if (isDeepStrictEqual(a, b)) return;
    const objects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
    if (!objects) {
      out.push(path);
      return;
    }
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`);
  };
  walk(before, after, '');
  return out;
}

/** The configuration to run after a reload: `next`, with the restart-only parts kept as running. */
export function effectiveConfig(running: Config, next: Config): Config {
  const hosts: Config['hosts'] = {};
  for (const [name, h] of Object.entries(running.hosts)) hosts[name] = next.hosts[name] ?? h;
  return {
    ...next,
    listeners: {
      c2s: { ...running.listeners.c2s, starttls_required: next.listeners.c2s.starttls_required },
      c2s_direct_tls: running.listeners.c2s_direct_tls,
    },
    storage: running.storage,
    data_dir: running.data_dir,
    tls: running.tls,
    log: { ...next.log, format: running.log.format },
    auth: {
      ...next.auth,
      max_failures_per_account: running.auth.max_failures_per_account,
      max_failures_per_address: running.auth.max_failures_per_address,
      throttle_window: running.auth.throttle_window,
    },
    hosts,
  };
}

/** Stable identity of a module's options, to tell whether a reload changes them. */
export function optionsKey(options: unknown): string {
  return JSON.stringify(options, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
