// The server and clients of the message archive suites over real sockets (XEP-0313): accounts
// logged in on demand with initial presence, a message sent and received, and a whole archive
// read in one query.
import xml, { type Element } from '@xmpp/xml';
import { drain, mamQuery, type MamRequest } from './mam.js';
import { RawClient } from './raw-client.js';
import { startTestServer, type TestServer } from './server.js';

export interface MamSuite {
  /** The running server and its CA, once the suite's before hook has run. */
  readonly ts: TestServer;
  readonly ca: string;
  /** Every client of the suite, closed when it ends. */
  readonly clients: RawClient[];
  /** Logs an existing account in and sends initial presence. */
  login(user: string, resource: string): Promise<RawClient>;
  /** Makes the account (password `pw-user`) and logs it in. */
  online(user: string, resource?: string): Promise<RawClient>;
  /** Sends from `from` and returns the message `to` receives. */
  exchange(from: RawClient, to: RawClient, msg: Element): Promise<Element>;
  /** The whole archive of `c` (up to 250 messages), with `extra` added to the query. */
  all(c: RawClient, extra?: MamRequest): ReturnType<typeof mamQuery>;
}

/** Starts a server with the default modules for the enclosing describe. */
export function mamSuite(): MamSuite {
  let ts: TestServer;
  let ca: string;
  const clients: RawClient[] = [];

  async function login(user: string, resource: string): Promise<RawClient> {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(c);
    await c.login(user, `pw-${user}`, resource);
    c.send(xml('presence'));
    await drain(c);
    return c;
  }

  async function online(user: string, resource = 'r'): Promise<RawClient> {
    await ts.addUser(`${user}@localhost`, `pw-${user}`);
    return login(user, resource);
  }

  async function exchange(from: RawClient, to: RawClient, msg: Element): Promise<Element> {
    from.send(msg);
    await drain(from);
    return to.expect((e) => e.name === 'message' && e.attrs.id === msg.attrs.id);
  }

  const all = (c: RawClient, extra: MamRequest = {}): ReturnType<typeof mamQuery> => mamQuery(c, { max: 250, ...extra });

  before(async () => {
    ts = await startTestServer();
    ca = await ts.ca();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await ts.stop();
  });

  return {
    get ts() {
      return ts;
    },
    get ca() {
      return ca;
    },
    clients,
    login,
    online,
    exchange,
    all,
  };
}
