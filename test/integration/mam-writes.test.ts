// Message archive writes and retention over real sockets with SQLite storage: the write-behind
// buffer seen through queries and a restart, and max_age deleting the oldest messages
// (XEP-0313 §3.2).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from '../support/server.js';
import { chat, drain, mamQuery } from '../support/mam.js';
import { ArchiveIds } from '../../src/modules/mam/ids.js';

describe('message archive retention (XEP-0313 §3.2)', () => {
  let ts: TestServer;

  before(async () => {
    ts = await startTestServer((c) => {
      c.modules = { ...c.modules, mam: { max_age: '10s' } };
    });
  });
  after(async () => {
    await ts.stop();
  });

  it('deletes messages older than max_age and keeps the rest (§3.2)', async () => {
    await ts.addUser('old@localhost', 'pw');
    const gen = new ArchiveIds();
    const now = Date.now();
    const entry = (at: number, body: string) => {
      const { id } = gen.next(at);
      return { host: 'localhost', username: 'old', id, at: new Date(at), with: 'x@localhost', withResource: '', stanza: `<message xmlns='jabber:client'><body>${body}</body></message>` };
    };
    await ts.server.storage.archive.append([entry(now - 3_600_000, 'ancient'), entry(now - 60_000, 'old'), entry(now, 'fresh')]);
    const deadline = Date.now() + 8000;
    while ((await ts.server.storage.archive.count('localhost', 'old', {})) > 1) {
      assert.ok(Date.now() < deadline, 'purged within the retention period');
      await new Promise((r) => setTimeout(r, 100));
    }
    const left = await ts.server.storage.archive.query('localhost', 'old', { limit: 10, fromEnd: false });
    assert.deepEqual(left.messages.map((m) => m.stanza.includes('fresh')), [true]);
  });
});

describe('message archive writes (batched, write-behind)', () => {
  let dir: string;
  let ts: TestServer;
  const clients: RawClient[] = [];
  // Batches that would wait a whole second: queries and shutdown must not.
  const slowBatches: ConfigChange = (c) => {
    c.modules = { ...c.modules, mam: { write_batch: 10_000, write_delay_ms: 1000 } };
  };

  async function pair(): Promise<[RawClient, RawClient]> {
    const ca = await ts.ca();
    const [a, b] = await Promise.all(['w1', 'w2'].map(async (u) => {
      const c = await RawClient.connect({ port: ts.c2sPort, ca });
      clients.push(c);
      await c.login(u, `pw-${u}`, 'r');
      c.send(xml('presence'));
      await drain(c);
      return c;
    }));
    return [a!, b!];
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-mam-'));
    ts = await startTestServer(slowBatches, { dataDir: dir });
    for (const u of ['w1', 'w2']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await ts.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a query sees every message archived before it, however the batch is configured (§4)', async () => {
    const [a, b] = await pair();
    for (let i = 0; i < 5; i++) a.send(chat('w2@localhost', `n${i}`));
    await drain(a);
    assert.equal(await ts.server.storage.archive.count('localhost', 'w2', {}), 0, 'still buffered');
    const res = await mamQuery(b, { max: 10 });
    assert.deepEqual(res.messages.map((m) => m.getChildText('body')), ['n0', 'n1', 'n2', 'n3', 'n4']);
    assert.equal((await mamQuery(a, { max: 10 })).messages.length, 5);
  });

  it('shutdown writes what is buffered: it is there after a restart', async () => {
    const [a] = await pair();
    a.send(chat('w2@localhost', 'last words'));
    await drain(a);
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await ts.stop();
    ts = await startTestServer(slowBatches, { dataDir: dir });
    const page = await ts.server.storage.archive.query('localhost', 'w2', { limit: 1, fromEnd: true });
    assert.match(page.messages[0]?.stanza ?? '', /last words/);
  });
});
