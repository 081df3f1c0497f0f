// The shared frame of the SASL2 test files: a test server with accounts (password pw-<name>),
// connections secured with STARTTLS and closed after each test. Registers mocha hooks.
import type { Element } from '@xmpp/xml';
import type { RawClient } from './raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from './server.js';
import { secured } from './sasl2-client.js';

export interface Sasl2Suite {
  readonly ts: TestServer;
  readonly ca: string;
  /** A new connection with TLS, and the features offered then. */
  connect(): Promise<{ client: RawClient; features: Element }>;
  /** Closes `client` after the test too. */
  track(client: RawClient): RawClient;
}

export function sasl2Suite(users: readonly string[], change?: ConfigChange): Sasl2Suite {
  let ts: TestServer | undefined;
  let ca = '';
  const clients: RawClient[] = [];
  const suite: Sasl2Suite = {
    get ts(): TestServer {
      if (!ts) throw new Error('the test server is not running');
      return ts;
    },
    get ca(): string {
      return ca;
    },
    connect: async () => {
      const c = await secured({ port: suite.ts.c2sPort, ca });
      clients.push(c.client);
      return c;
    },
    track: (client) => {
      clients.push(client);
      return client;
    },
  };
  before(async () => {
    ts = await startTestServer(change);
    ca = await ts.ca();
    for (const u of users) await ts.addUser(`${u}@localhost`, `pw-${u}`);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await ts?.stop();
  });
  return suite;
}
