// When a Connection writes to its socket (src/net/connection.ts), over a real loopback TCP pair:
// the first data of an event-loop turn leaves as soon as the task that queued it is done; what
// is queued later in the same turn leaves together at the end of the turn; nothing is reordered.
import { strict as assert } from 'node:assert';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Connection } from '../../../src/net/connection.js';

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
