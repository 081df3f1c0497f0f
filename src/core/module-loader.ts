// Resolves the modules each host enables, validates their options against each module's schema
// (a bad value stops the server at start with file:line), and instantiates them with an API
// whose registrations are recorded so that unloading reverses them.
import type { z } from 'zod';
import type { Config } from '../config/types.js';
import type { Logger } from '../util/log.js';
import type { Storage } from '../storage/types.js';
import { optionsKey } from './reload.js';
import type { Element } from '../xmpp/xml.js';
import { builtinModules } from '../modules/index.js';
import { sendIqRequest } from './iq-dispatch.js';
import type { Host } from './host.js';
import type { ModuleApi, ModuleDefinition } from './module-api.js';
import type { Router } from './router.js';
import type { SessionManager } from './session-manager.js';

export interface PlannedModule {
  def: ModuleDefinition;
  options: unknown;
}

export type Locate = (path: (string | number)[]) => string;

/** A value as an admin wrote it, briefly (the same wording as the config loader's). */
function shown(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const s = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return s.length > 60 ? `${s.slice(0, 56)}...` : s;
}

/** Admin-facing wording for module option problems, e.g. 'expected a boolean, got "yes"'. */
function optionMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${shown(issue.input)}`;
    case 'unrecognized_keys':
      return 'unknown option';
    case 'too_small':
    case 'too_big':
    case 'invalid_value':
      return `${issue.message.replace(/^Invalid input: /, '')}, got ${shown(issue.input)}`;
    default:
      return issue.message;
  }
}

/** Checks every host's module list and options; returns the plan per host and all problems. */
/** The built-in modules not among `enabled`, sorted. */
export function modulesOff(enabled: readonly string[]): string[] {
  return Object.keys(builtinModules).filter((m) => !enabled.includes(m)).sort();
}

export async function planModules(config: Config, locate: Locate): Promise<{ plan: Map<string, PlannedModule[]>; problems: string[] }> {
  const plan = new Map<string, PlannedModule[]>();
  const problems: string[] = [];
  for (const [hostName, hostCfg] of Object.entries(config.hosts)) {
    const perHost = hostCfg.modules !== undefined;
    const modules = hostCfg.modules ?? config.modules;
    const basePath = perHost ? ['hosts', hostName, 'modules'] : ['modules'];
    const list: PlannedModule[] = [];
    for (const [name, options] of Object.entries(modules)) {
      const load = builtinModules[name];
      if (!load) {
        problems.push(`${locate([...basePath, name])}: ${[...basePath, name].join('.')}: unknown module (available: ${Object.keys(builtinModules).sort().join(', ')})`);
        continue;
      }
      const def = await load();
      // jitless: parsed once per start or reload, so zod's generated fast path would not pay off
      const parsed = def.options.safeParse(options ?? {}, { reportInput: true, jitless: true });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const inner = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
          const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...inner, k]) : [inner];
          for (const k of keys) {
            const path = [...basePath, name, ...k];
            problems.push(`${locate(path)}: ${path.join('.')}: ${optionMessage(issue)}`);
          }
        }
        continue;
      }
      list.push({ def, options: parsed.data });
    }
    plan.set(hostName, list);
  }
  return { plan, problems };
}

export interface ModuleDeps {
  host: Host;
  router: Router;
  sessions: SessionManager;
  storage: Storage;
  log: Logger;
  server: { readonly name: string; readonly version: string; readonly startedAt: Date; readonly scramIterations: number };
}

export class LoadedModule {
  constructor(
    readonly name: string,
    /** The host it serves and a key of its options, so a reload can tell what changed. */
    readonly host: string,
    readonly optionsKey: string,
    private readonly disposers: Array<() => void | Promise<void>>,
  ) {}

  async unload(): Promise<void> {
    for (const d of this.disposers.reverse()) await d();
    this.disposers.length = 0;
  }
}

export async function loadModule(planned: PlannedModule, deps: ModuleDeps): Promise<LoadedModule> {
  const { def } = planned;
  const { host } = deps;
  const disposers: Array<() => void | Promise<void>> = [];
  const log = deps.log.child({ module: def.name, host: host.name });
  const api: ModuleApi<unknown> = {
    name: def.name,
    host: host.name,
    options: planned.options,
    log,
    storage: deps.storage,
    server: deps.server,
    iq: (type, ns, name, handler, opts) => {
      for (const target of opts?.to ?? ['host']) disposers.push(host.addIq(target, type, ns, name, handler));
    },
    on: (event, handler, priority) => {
      disposers.push(host.events.on(event, handler, priority));
    },
    addFeature: (feature, target = 'host') => {
      disposers.push(host.addFeature(feature, target));
    },
    addIdentity: (identity, target = 'host') => {
      disposers.push(host.addIdentity(identity, target));
    },
    discoInfo: (target) => host.discoInfo(target),
    hasFeature: (feature, target = 'host') => host.hasFeature(feature, target),
    addStreamFeature: (stage, feature, opts) => {
      disposers.push(host.addStreamFeature(stage, feature, opts));
    },
    addNonzaHandler: (ns, handler) => {
      disposers.push(host.addNonzaHandler(ns, handler));
    },
    addBind2Feature: (ns, handler) => {
      disposers.push(host.addBind2Feature(ns, handler));
    },
    onBind2: (hook) => {
      disposers.push(host.addBind2Hook(hook));
    },
    emit: (event, payload) => host.events.emit(event, payload),
    fire: async (event, payload) => {
      await host.events.fire(event, payload);
    },
    send: (stanza: Element) => deps.router.route(stanza),
    request: (iq, timeoutMs) => sendIqRequest(host, deps.router, iq, timeoutMs),
    sessionsOf: (bare) => deps.sessions.resources(bare),
    noteReached: (stanza, sessions) => host.reach.note(stanza, sessions),
    addFlusher: (flush) => {
      disposers.push(host.addFlusher(flush));
    },
    flushWrites: () => host.flushWrites(),
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      disposers.push(() => clearTimeout(t));
    },
    setInterval: (fn, ms) => {
      const t = setInterval(fn, ms);
      t.unref();
      disposers.push(() => clearInterval(t));
    },
    onUnload: (fn) => {
      disposers.push(fn);
    },
  };
  await def.setup(api);
  log.debug('module loaded');
  return new LoadedModule(def.name, host.name, optionsKey(planned.options), disposers);
}
