// Runs the server in the foreground until SIGINT/SIGTERM: config -> storage -> server ->
// modules -> listeners (see core/server.ts), with logs on standard output. SIGHUP reads the
// config file again and applies it (core/reload.ts); a broken file is reported and ignored.
import { ConfigError, type LoadedConfig } from './config/loader.js';
import { createLogger, type Logger } from './util/log.js';
import { Server } from './core/server.js';
import { ReloadError } from './core/reload.js';

export async function runServer(loaded: LoadedConfig, reread: () => Promise<LoadedConfig>): Promise<{ server: Server; log: Logger }> {
  const { config } = loaded;
  const log = createLogger({ level: config.log.level, format: config.log.format });
  const server = await Server.start(config, log, loaded.locate);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  // One reload at a time; a SIGHUP during a reload runs one more afterwards.
  let reloading: Promise<void> | undefined;
  let again = false;
  const reload = async (): Promise<void> => {
    do {
      again = false;
      log.info('reloading configuration', { signal: 'SIGHUP' });
      try {
        const report = await server.reload(await reread());
        if (report.needsRestart.length) log.warn('some changed settings take effect only after a restart', { settings: report.needsRestart });
      } catch (err) {
        if (err instanceof ConfigError || err instanceof ReloadError) {
          log.error('configuration not reloaded; the running one stays in force', { problems: err.problems });
        } else {
          log.error('configuration reload failed', { err });
        }
      }
    } while (again && !stopping);
  };
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (reloading) {
      again = true;
      return;
    }
    reloading = reload().finally(() => (reloading = undefined));
  });
  return { server, log };
}
