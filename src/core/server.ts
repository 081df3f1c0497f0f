// The composition root's product: hosts, router, sessions, storage, TLS and listeners wired
// together (architecture guide: config -> storage -> server -> modules -> listeners).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/types.js';
import { configNotes } from '../config/notes.js';
import type { Logger } from '../util/log.js';
import type { Storage } from '../storage/types.js';
import { createStorage, sqliteFile } from '../storage/index.js';
import { lockDatabase } from './db-lock.js';
import { AccountCache } from './account-cache.js';
import { AccountNoteWatch } from './account-notes.js';
import { accountChangedElsewhere, loginsView, type AccountChangeDeps, type LoginsView } from './account-changes.js';
import { OnlineRosters } from './online-rosters.js';
import { TlsContexts } from '../net/tls.js';
import { loadCerts } from './certificates.js';
import { startC2sListeners, type ListenerHandle } from '../net/listeners.js';
import { StreamError } from '../xmpp/errors.js';
import { Host } from './host.js';
import { LocalRouter } from './router.js';
import { SessionManager } from './session-manager.js';
import { installIqDispatch } from './iq-dispatch.js';
import { accountCheck, installDelivery } from './delivery.js';
import { installAvailability } from './availability.js';
import { loadModule, modulesOff, planModules, type LoadedModule, type Locate, type ModuleDeps } from './module-loader.js';
import type { LoadedConfig } from '../config/loader.js';
import { C2sStream } from './c2s/stream.js';
import { tickStream } from './c2s/housekeeping.js';
import type { C2sContext } from './c2s/context.js';
import { changedSettings, effectiveConfig, optionsKey, ReloadError, restartOnlyChanges, type ReloadReport } from './reload.js';
import { AuthThrottle, ConnectionCounter } from './c2s/throttle.js';
import { SmRegistry } from './c2s/sm/registry.js';
import { installUndeliveredFallback } from './c2s/sm/undelivered.js';
import { SERVER_NAME, serverVersion } from './version.js';
import { StartupError } from './startup-error.js';

export { StartupError };

async function loadSecret(dataDir: string, ephemeral: boolean): Promise<Buffer> {
  if (ephemeral) return randomBytes(32);
  const file = join(dataDir, 'server-secret');
  try {
    const b = await readFile(file);
    if (b.length >= 32) return b;
  } catch {
    // created below
  }
  const secret = randomBytes(32);
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

/** How often the account cache compares the database's account change counter. */
const ACCOUNT_CHECK_MS = 1000;

export class Server {
  readonly hosts = new Map<string, Host>();
  readonly sessions = new SessionManager();
  readonly router: LocalRouter;
  readonly streams = new Set<C2sStream>();
  /** Resumable sessions (XEP-0198 §5), hibernated ones included. */
  readonly smSessions = new SmRegistry();
  private listeners: ListenerHandle[] = [];
  private modules: LoadedModule[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private stopping = false;
  readonly startedAt = new Date();
  /** What modules see of the server (ModuleApi.server); the iterations follow a reload. */
  private readonly info: ModuleDeps['server'];
  /** Releases the database lock (db-lock.ts) once storage is closed. */
  private unlock: () => Promise<void> = async () => undefined;

  private ctx: C2sContext | undefined;

  /**
   * The storage every part of the server uses: the backend's, with the rosters of accounts that
   * have sessions kept in memory (core/online-rosters.ts), and recently seen account records
   * (core/account-cache.ts). Every roster and account write goes through it, so none can leave a
   * stale entry behind; account writes made elsewhere are noticed within ACCOUNT_CHECK_MS.
   */
  readonly storage: Storage;
  private readonly accountCache: AccountCache;
  private readonly notes: AccountNoteWatch<LoginsView>;

  private constructor(public config: Config, backend: Storage, readonly tls: TlsContexts, readonly log: Logger) {
    const server = this;
    this.info = {
      name: SERVER_NAME, version: serverVersion(), startedAt: this.startedAt,
      get scramIterations() {
        return server.config.auth.scram_iterations;
      },
    };
    this.router = new LocalRouter(this.hosts, this.sessions, log.child({ component: 'router' }));
    const rosters = new OnlineRosters(backend.roster, (bare) => this.sessions.hasAccount(bare));
    this.sessions.onAccountEmptied((bare) => rosters.drop(bare));
    const withRosters = rosters.wrap(backend);
    this.accountCache = new AccountCache(withRosters.accounts, {
      size: config.storage.account_cache,
      checkMs: ACCOUNT_CHECK_MS,
      onCheckError: (err) => log.warn('account change counter could not be read; account cache emptied', { err }),
      // Every deletion and credential write moves the counter; its note commits with it.
      onChange: () => void this.notes.check(),
    });
    const changes: AccountChangeDeps = {
      hosts: this.hosts,
      sessions: this.sessions,
      streams: this.streams,
      forget: (host, username) => this.accountCache.forget(host, username),
      log,
    };
    this.notes = new AccountNoteWatch<LoginsView>(backend.accounts, {
      view: () => loginsView(changes),
      onNote: (note, current, view) => accountChangedElsewhere(changes, note, current, view),
      onError: (err) => log.warn('account changes could not be read or acted upon', { err }),
    });
    this.storage = { ...withRosters, accounts: this.notes.wrap(this.accountCache.wrap()) };
  }

  static async start(config: Config, log: Logger, locate: Locate = () => config.source ?? 'config'): Promise<Server> {
    const t0 = performance.now();
    const { plan, problems } = await planModules(config, locate);
    if (problems.length) throw new StartupError(problems);
    const dataDir = resolve(config.data_dir);
    const ephemeral = config.storage.driver === 'memory';
    // Keys, the server secret and the database live here: the server's user's alone.
    await mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot create data_dir ${dataDir}: ${err.code ?? err.message}`, { cause: err });
    });
    const dbFile = sqliteFile(config.storage, dataDir);
    const unlock = dbFile === undefined ? async () => undefined : await lockDatabase(dbFile);
    let storage: Storage;
    try {
      storage = await createStorage(config.storage, dataDir, log.child({ component: 'storage' }));
    } catch (err) {
      await unlock();
      throw err;
    }
    try {
      const certs = await loadCerts(config, log);
      const defaultDomain = Object.keys(config.hosts)[0]!;
      const tls = new TlsContexts({ minVersion: config.tls.min_version, certs, defaultDomain });
      const server = new Server(config, storage, tls, log);
      server.unlock = unlock;
      const secret = await loadSecret(dataDir, ephemeral);
      await server.setupHosts(plan);
      // Before listening: notes from before the start are dropped while no session can exist.
      await server.notes.forgetOld();
      await server.listen(secret);
      server.accountCache.start();
      log.info('server started', { hosts: [...server.hosts.keys()], startupMs: Math.round(performance.now() - t0), version: serverVersion() });
      // A modules section lists every module wanted; say which are off, so a short list that
      // left out, say, the roster is seen at once.
      for (const [host, list] of plan) {
        const off = modulesOff(list.map((m) => m.def.name));
        if (off.length > 0) log.info('modules not enabled', { host, modules: off });
      }
      for (const note of configNotes(config)) log.warn(note);
      return server;
    } catch (err) {
      await storage.close();
      await unlock();
      throw err;
    }
  }

  private async setupHosts(plan: Awaited<ReturnType<typeof planModules>>['plan']): Promise<void> {
    for (const name of Object.keys(this.config.hosts)) {
      const host = new Host(name, this.log.child({ host: name }));
      this.hosts.set(name, host);
      installAvailability(host);
      installIqDispatch(host, this.router, accountCheck(this.sessions, this.storage));
      installDelivery(host, this.router, this.sessions, this.storage);
      installUndeliveredFallback(host, this.router);
      for (const planned of plan.get(name) ?? []) this.modules.push(await loadModule(planned, this.moduleDeps(host)));
    }
  }

  private moduleDeps(host: Host): ModuleDeps {
    return {
      host, router: this.router, sessions: this.sessions, storage: this.storage, log: this.log,
      server: this.info,
    };
  }

  private async listen(secret: Buffer): Promise<void> {
    const throttle = new AuthThrottle(this.config.auth);
    const ctx: C2sContext = this.ctx = {
      config: this.config, hosts: this.hosts, router: this.router, sessions: this.sessions,
      storage: this.storage, throttle, log: this.log.child({ component: 'c2s' }), fakeSaltSecret: secret,
      smSessions: this.smSessions,
      connections: new ConnectionCounter(this.config.limits.max_connections_per_address),
    };
    // Direct-TLS handshakes under way count apart, with the same limit per address.
    const handshakes = new ConnectionCounter(this.config.limits.max_connections_per_address);
    this.listeners = await startC2sListeners(this.config.listeners, this.tls, (conn) => {
      if (this.stopping) return conn.destroy();
      const stream = new C2sStream(conn, ctx, (s) => this.streams.delete(s));
      this.streams.add(stream);
    }, this.log.child({ component: 'net' }), { begin: (a) => handshakes.add(a), end: (a) => handshakes.remove(a) });
    const l = this.config.limits;
    const shortest = Math.min(l.unauthenticated_timeout, l.idle_timeout || Infinity, l.keepalive_interval || Infinity);
    const every = Math.max(250, Math.min(5000, (shortest * 1000) / 4));
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const s of this.streams) tickStream(s, now);
      this.smSessions.sweep(now);
    }, every);
    this.sweeper.unref();
  }

  /** Bound ports by listener kind (the first address of each), e.g. for tests using port 0. */
  ports(): Partial<Record<ListenerHandle['kind'], number>> {
    const out: Partial<Record<ListenerHandle['kind'], number>> = {};
    for (const l of this.listeners) out[l.kind] ??= l.address.port;
    return out;
  }

  /**
   * Applies a new configuration without dropping sessions (SIGHUP): certificates, limits, auth
   * settings, log level and module options. Everything is checked first; a broken config throws
   * ReloadError and the running one stays. Modules whose options changed are unloaded and loaded
   * again (their in-memory state starts afresh); settings bound at start are reported.
   */
  async reload(loaded: LoadedConfig): Promise<ReloadReport> {
    if (this.stopping) throw new ReloadError(['the server is stopping']);
    const next = effectiveConfig(this.config, loaded.config);
    const { plan, problems } = await planModules(next, loaded.locate);
    if (problems.length) throw new ReloadError(problems);
    try {
      this.tls.replace(await loadCerts(next, this.log));
    } catch (err) {
      throw new ReloadError([`certificates: ${(err as Error).message}`]);
    }
    const needsRestart = restartOnlyChanges(this.config, loaded.config);
    // What the running configuration takes (the restart-only parts stay as they were).
    const applied = changedSettings(this.config, next);
    const report: ReloadReport = { applied, reloaded: [], loaded: [], unloaded: [], needsRestart };
    this.config = next;
    if (this.ctx) this.ctx.config = next;
    this.log.setLevel(next.log.level);
    await this.swapModules(plan, report);
    this.log.info('configuration reloaded', { ...report });
    return report;
  }

  private async swapModules(plan: Awaited<ReturnType<typeof planModules>>['plan'], report: ReloadReport): Promise<void> {
    const kept: LoadedModule[] = [];
    for (const [name, host] of this.hosts) {
      const wanted = new Map((plan.get(name) ?? []).map((p) => [p.def.name, p]));
      const running = this.modules.filter((m) => m.host === name);
      for (const m of running.reverse()) {
        const w = wanted.get(m.name);
        if (w && optionsKey(w.options) === m.optionsKey) {
          kept.unshift(m);
          wanted.delete(m.name);
          continue;
        }
        await m.unload();
        (w ? report.reloaded : report.unloaded).push(`${name}/${m.name}`);
      }
      for (const planned of wanted.values()) {
        kept.push(await loadModule(planned, this.moduleDeps(host)));
        if (!report.reloaded.includes(`${name}/${planned.def.name}`)) report.loaded.push(`${name}/${planned.def.name}`);
      }
    }
    this.modules = kept;
  }

  /** Stops accepting, closes every stream with system-shutdown, unloads modules, closes storage. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.accountCache.stop();
    await this.notes.stop();
    // Stop accepting first; the listeners' close resolves once their connections are gone.
    const listenersClosed = Promise.all(this.listeners.map((l) => l.close()));
    // Sessions end rather than hibernate, and so do hibernated ones: the messages their clients
    // had not acknowledged go to offline storage (XEP-0198 §4) while storage is still open.
    for (const s of [...this.streams]) s.close(new StreamError('system-shutdown'));
    for (const s of this.smSessions.hibernating()) s.end('system-shutdown');
    await listenersClosed;
    // Let handlers of the closing sessions' events (unavailable broadcasts, last activity)
    // finish before modules unload and storage closes.
    await Promise.all([...this.hosts.values()].map((h) => h.events.idle()));
    // Then make buffered writes durable while storage is still open.
    await Promise.all([...this.hosts.values()].map((h) => h.flushWrites().catch((err: unknown) => {
      this.log.error('buffered writes could not be saved at shutdown', { host: h.name, err });
    })));
    for (const m of this.modules.reverse()) await m.unload();
    await this.storage.close();
    await this.unlock();
    this.log.info('server stopped');
  }
}
