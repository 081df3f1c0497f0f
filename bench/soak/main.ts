// Soak test: a real Starling process under thousands of STARTTLS + SCRAM sessions with messages,
// presence and churn for a bounded time, measured from inside (probe.mjs) and from the clients.
// Exits 1 when a message was lost, duplicated or misdelivered, when RSS grew too much over the
// second half of the load, when handles did not return to the baseline, or when the server
// misbehaved (refused logins, closed sessions, error logs, unclean stop). See docs/soak.md.
//
//   npm run soak -- [--quick] [--sessions N] [--minutes M] [--rate R] ... (--help)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseOptions, type SoakOptions } from './options.js';
import { makeWorkspace, removeWorkspace, stopServer, type RunningServer } from './server.js';
import { runSoak } from './run.js';
import { printSummary, writeResult } from './summary.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const t0 = performance.now();
let quiet = false;
const say = (msg: string): void => {
  if (!quiet) process.stderr.write(`[soak ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
};

async function main(): Promise<number> {
  let opts: SoakOptions | undefined;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    return 2;
  }
  if (!opts) return 0;
  quiet = opts.quiet;
  if (opts.build) {
    say('npm run build');
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: REPO });
  }
  const ws = await makeWorkspace(opts.postgres);
  let server: RunningServer | undefined;
  const interrupted = (): void => {
    server?.child.kill('SIGKILL');
    void removeWorkspace(ws).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let ok = false;
  try {
    const result = await runSoak(opts, ws, say, (s) => (server = s));
    printSummary(result);
    say(`result: ${await writeResult(result, REPO)}`);
    ok = result.verdict.ok;
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).stack ?? String(err)}\n`);
  } finally {
    if (server && !server.hasExited()) await stopServer(server);
  }
  if (opts.keep || !ok) say(`kept ${ws.dir} (server.log, probe.jsonl, starling.yaml, data/)`);
  else await removeWorkspace(ws);
  return ok ? 0 : 1;
}

const code = await main();
// Sockets the server reset may keep the loop alive for a moment: there is nothing left to wait for.
process.exit(code);
