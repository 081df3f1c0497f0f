// A server for an interop suite: started with the test defaults, its self-signed certificate
// written to a PEM file for a client to trust, and accounts `<user>@localhost` with the password
// `pw-<user>`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';

export interface InteropServer {
  ts: TestServer;
  /** The server's certificate, PEM. */
  caFile: string;
  stop(): Promise<void>;
}

export async function startInteropServer(users: string[]): Promise<InteropServer> {
  const ts = await startTestServer();
  const dir = await mkdtemp(join(tmpdir(), 'starling-interop-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, await ts.ca());
  for (const user of users) await ts.addUser(`${user}@localhost`, `pw-${user}`);
  return {
    ts,
    caFile,
    stop: async () => {
      await ts.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
