// Runs a Python interop driver with the Debian Python (/usr/bin/python3, where the Debian
// packages python3-slixmpp and python3-aioxmpp are), isolated from any other Python setup.
import { fileURLToPath } from 'node:url';
import { commandWorks, Driver, runDriver, type DriverResult } from './process.js';

export const PYTHON = '/usr/bin/python3';

/** The path of a driver script in this folder. */
export const script = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete e.PYTHONPATH;
  delete e.PYTHONHOME;
  return e;
}

/**
 * Whether the Debian Python can import `module`; if not, says on stderr which Debian package
 * to install and skips the calling suite.
 */
export function requirePython(ctx: Mocha.Context, module: string, debianPackage: string): void {
  if (commandWorks(PYTHON, ['-c', `import ${module}`])) return;
  process.stderr.write(`      skipped: \`${PYTHON} -c 'import ${module}'\` failed; install the Debian package ${debianPackage} (.ci/run does)\n`);
  ctx.skip();
}

/** Runs a driver script to completion, killed after timeoutMs. */
export function runPython(name: string, args: string[], timeoutMs: number): Promise<DriverResult> {
  return runDriver(PYTHON, [script(name), ...args], { env: env(), timeoutMs });
}

/** Starts a driver script, for a test that reads its events while it runs. */
export function startPython(name: string, args: string[], timeoutMs: number): Driver {
  return new Driver(PYTHON, [script(name), ...args], { env: env(), timeoutMs });
}
