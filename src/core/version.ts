// The server's name and version, read once from package.json at start.
import { readFileSync } from 'node:fs';

export const SERVER_NAME = 'Starling';
let cached: string | undefined;

export function serverVersion(): string {
  if (cached === undefined) {
    // Read once at start-up, never on the stanza path.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
