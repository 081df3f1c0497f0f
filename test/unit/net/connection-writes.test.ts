// When a Connection writes to its socket (src/net/connection.ts), over a real loopback TCP pair:
// the first data of an event-loop turn leaves as soon as the task that queued it is done; what
// is queued later in the same turn leaves together at the end of the turn; nothing is reordered;
// after a TLS handshake, the handshake's turn counts as one that has written.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { ensureSelfSigned } from '../../../src/net/certs.js';
import { Connection } from '../../../src/net/connection.js';
import { acceptTls } from '../../../src/net/tls-accept.js';
import { TlsContexts } from '../../../src/net/tls.js';

describe('Connection writes (first flush of a turn at once, the rest at its end)', function () {
  let server: Server;
  let serverSide: Socket;
  let client: Socket;
  let received = '';
  let writes: string[];
  let conn: Connection;

  beforeEach(async function () {
    received = '';
    server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    client = connect(port, '127.0.0.1');
    client.setEncoding('utf8');
    client.on('data', (d: string) => (received += d));
    serverSide = await accepted;
    // Record what the connection hands to the real socket, then let the socket send it.
    writes = [];
    const write = serverSide.write.bind(serverSide) as (data: string) => boolean;
    (serverSide as unknown as { write: (data: string) => boolean }).write = (data: string) => {
      writes.push(data);
      return write(data);
    };
    conn = new Connection(serverSide, undefined, false);
  });

  afterEach(async function () {
    client.destroy();
    serverSide.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const afterMicrotasks = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));
  const afterTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('sends the first write of a turn once the current task is done, coalescing what that task queued', async function () {
    conn.write('<a/>');
    conn.write('<b/>');
    assert.deepEqual(writes, [], 'nothing leaves in the middle of the task');
    await afterMicrotasks();
    assert.deepEqual(writes, ['<a/><b/>']);
  });

  it('holds later writes of the same turn until its end and sends them together, in order', async function () {
    conn.write('<a/>');
    await afterMicrotasks();
    conn.write('<b/>');
    await afterMicrotasks();
    conn.write('<c/>');
    await afterMicrotasks();
    assert.deepEqual(writes, ['<a/>'], 'the second flush of the turn waits');
    await afterTurn();
    await afterTurn();
    assert.deepEqual(writes, ['<a/>', '<b/><c/>']);
    // A new turn: its first write leaves at once again.
    conn.write('<d/>');
    await afterMicrotasks();
    assert.deepEqual(writes, ['<a/>', '<b/><c/>', '<d/>']);
    for (let i = 0; i < 100 && received.length < 16; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(received, '<a/><b/><c/><d/>');
  });
});

// Node keeps a TLS socket's encrypted output until the turn after it went to the TCP socket; a
// write before then is appended to it and, past 1 KiB, makes the socket allocate a 16 KiB buffer
// that it keeps for life (13-16 KiB more per idle TLS session). The turn that completes a
// handshake has written already (TLS 1.3 session tickets), so a reply in that turn waits.
describe('Connection writes after a TLS handshake', function () {
  this.timeout(10_000);
  let dir: string;
  let contexts: TlsContexts;
  let server: Server;
  let sockets: Socket[];
  let tlsWrites: string[];
  let realWrite: typeof TLSSocket.prototype.write;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'starling-writes-'));
    const c = await ensureSelfSigned('example.org', dir);
    contexts = new TlsContexts({ minVersion: 'TLSv1.2', certs: [{ domain: 'example.org', certPem: c.certPem, keyPem: c.keyPem }], defaultDomain: 'example.org' });
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async function () {
    sockets = [];
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // What the server's Connection hands to its TLS socket (the client writes nothing meanwhile).
    tlsWrites = [];
    realWrite = TLSSocket.prototype.write;
    TLSSocket.prototype.write = function (this: TLSSocket, ...args: Parameters<typeof realWrite>) {
      if (typeof args[0] === 'string') tlsWrites.push(args[0]);
      return realWrite.apply(this, args);
    } as typeof realWrite;
  });

  afterEach(async function () {
    TLSSocket.prototype.write = realWrite;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const afterMicrotasks = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));
  const afterTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const port = (): number => (server.address() as { port: number }).port;
  const accepted = (): Promise<Socket> => new Promise<Socket>((resolve) => server.once('connection', resolve));
  const secureClient = (socket: Socket): TLSSocket => {
    const client = tlsConnect({ socket, rejectUnauthorized: false, servername: 'example.org' });
    client.on('error', () => undefined);
    sockets.push(client);
    return client;
  };

  async function expectTurnEndThenAtOnce(conn: Connection): Promise<void> {
    conn.write('<stream/>');
    await afterMicrotasks();
    assert.deepEqual(tlsWrites, [], 'the handshake turn has written already: the reply waits for its end');
    await afterTurn();
    await afterTurn();
    assert.deepEqual(tlsWrites, ['<stream/>']);
    conn.write('<features/>');
    await afterMicrotasks();
    assert.deepEqual(tlsWrites, ['<stream/>', '<features/>'], 'in a later turn the first flush leaves at once');
  }

  /** A loopback TCP pair: the client's end and the server's. */
  async function tcpPair(): Promise<{ raw: Socket; plain: Socket }> {
    const serverSide = accepted();
    const raw = connect(port(), '127.0.0.1');
    sockets.push(raw);
    const plain = await serverSide;
    sockets.push(plain);
    return { raw, plain };
  }

  it('STARTTLS: the first write in the turn the handshake completed leaves at the turn end', async function () {
    const { raw, plain } = await tcpPair();
    const conn = new Connection(plain, contexts, false);
    const upgraded = conn.startTls();
    secureClient(raw);
    await upgraded;
    await expectTurnEndThenAtOnce(conn);
  });

  it('direct TLS: a connection made in the handshake turn holds its first write until the turn end', async function () {
    const { raw, plain } = await tcpPair();
    const handshake = acceptTls(plain, contexts, 5000, (err) => assert.fail(err));
    secureClient(raw);
    const secure = await handshake;
    assert.ok(secure);
    sockets.push(secure);
    await expectTurnEndThenAtOnce(new Connection(secure, contexts, true));
  });
});
