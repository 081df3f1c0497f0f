// Starts a real Starling server for integration tests: real sockets, real TLS (a self-signed
// certificate generated into a temporary data folder) and a real SQLite database.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../src/config/loader.js';
import type { Config } from '../../src/config/types.js';
import { Server } from '../../src/core/server.js';
import { createAccount } from '../../src/core/accounts.js';
import { Jid } from '../../src/xmpp/jid.js';
import { createLogger, type Logger } from '../../src/util/log.js';

export interface TestServer {
  server: Server;
  config: Config;
  c2sPort: number;
  tlsPort: number;
  /** PEM of a host's self-signed certificate, to trust in clients. */
  ca(domain?: string): Promise<string>;
  addUser(bare: string, password: string): Promise<void>;
  /** The data folder (certificates, SQLite database). */
  dataDir: string;
  stop(): Promise<void>;
}

export type ConfigChange = (c: Config) => void;

export interface TestServerOptions {
  /**
   * An existing data folder to use, e.g. that of a stopped server to test a restart. The caller
   * owns it: stop() leaves it in place. Without it, a fresh temporary folder is removed on stop().
   */
  dataDir?: string;
  /** The server's logger (e.g. one that records errors); by default stderr at STARLING_TEST_LOG. */
  log?: Logger;
}

export async function startTestServer(change?: ConfigChange, opts: TestServerOptions = {}): Promise<TestServer> {
  const dir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'starling-test-')));
  const config = defaultConfig();
  config.data_dir = dir;
  config.storage = { ...config.storage, driver: 'sqlite', path: 'test.sqlite' };
  config.listeners.c2s.addresses = ['127.0.0.1'];
  config.listeners.c2s.port = 0;
  config.listeners.c2s_direct_tls.addresses = ['127.0.0.1'];
  config.listeners.c2s_direct_tls.port = 0;
  config.auth.scram_iterations = 4096;
  config.log.level = (process.env.STARLING_TEST_LOG as Config['log']['level'] | undefined) ?? 'silent';
  change?.(config);
  const log = opts.log ?? createLogger({ level: config.log.level, format: 'pretty', write: (l) => process.stderr.write(l) });
  const server = await Server.start(config, log);
  const ports = server.ports();
  return {
    server,
    config,
    c2sPort: ports.c2s ?? 0,
    tlsPort: ports.c2s_direct_tls ?? 0,
    ca: (domain = 'localhost') => readFile(join(dir, 'certs', `${domain}.crt`), 'utf8'),
    addUser: (bare, password) => createAccount(server.storage, Jid.parse(bare), password, config.auth.scram_iterations),
    dataDir: dir,
    stop: async () => {
      await server.stop();
      if (opts.dataDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
