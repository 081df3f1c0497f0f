// Cross-process serialisation of schema migrations on SQLite. Two processes opening a fresh
// database at once (a server and an `adduser`, say) race to create knex's bookkeeping tables;
// the loser can fail, and knex may leave its own lock row held. An exclusive lock file next to
// the database makes them take turns. A lock older than STALE_MS (a crashed process) is broken.
import { open, rm, stat } from 'node:fs/promises';

const STALE_MS = 60_000;
const WAIT_MS = 30_000;

export async function withFileLock<T>(dbFile: string, fn: () => Promise<T>): Promise<T> {
  if (dbFile === ':memory:') return fn();
  const lockFile = `${dbFile}.migrate-lock`;
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lockFile).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_MS) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`storage: another process holds ${lockFile}; remove it if no Starling process is running`);
      await new Promise((r) => setTimeout(r, Math.min(200, 20 * (attempt + 1))));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}
