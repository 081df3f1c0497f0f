// One server per SQLite database. A second server on the same file would store offline the
// messages for sessions that the first one holds, and each would act on the other's account
// changes: so a lock file next to the database, with the process id, taken at start and removed
// at stop. A lock whose process is gone (a crash, kill -9) is taken over. PostgreSQL is not
// locked here.
import { open, readFile, rm } from 'node:fs/promises';

/** Takes the lock of `file`; resolves with its release. Throws when a live process holds it. */
export async function lockDatabase(file: string): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new Error(`another server (process ${pid}) is using the database ${file}: stop it first, or give this one a database of its own`);
      }
      // Left by a server that did not stop. Without a process id it may be being written at
      // this moment: that gets a moment first, then counts as left behind too.
      if (Number.isInteger(pid) || attempt > 0) await rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`could not take the lock ${lock} of the database`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
