// Runs the server in the foreground until SIGINT/SIGTERM: config -> storage -> server ->
// modules -> listeners (see core/server.ts), with logs on standard output.
import type { LoadedConfig } from './config/loader.js';
import { createLogger, type Logger } from './util/log.js';
import { Server } from './core/server.js';

export async function runServer(loaded: LoadedConfig): Promise<{ server: Server; log: Logger }> {
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
  return { server, log };
}
