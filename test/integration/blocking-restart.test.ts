// XEP-0191 (Blocking Command) §3.3: the blocklist "applies across sessions", so it outlives a
// server restart on the same data folder and is still enforced.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockIq, blocklist, chat, login } from '../support/blocking.js';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('blocking command (XEP-0191): the blocklist survives a restart (§3.3)', () => {
  let dir: string;
  let ts: TestServer | undefined;
  const clients: RawClient[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-blocking-'));
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await ts?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the blocked JIDs across a restart on the same data folder and still enforces them', async () => {
    ts = await startTestServer(undefined, { dataDir: dir });
    await ts.addUser('alice@localhost', 'pw-alice');
    await ts.addUser('bob@localhost', 'pw-bob');
    const a = await login(ts, 'alice', 'one');
    clients.push(a);
    assert.equal((await a.iq(blockIq('bob@localhost', 'example.org/bot'))).attrs.type, 'result');
    a.destroy();
    await ts.stop();

    ts = await startTestServer(undefined, { dataDir: dir });
    const a2 = await login(ts, 'alice', 'two');
    const bob = await login(ts, 'bob', 'laptop');
    clients.push(a2, bob);
    assert.deepEqual(await blocklist(a2), ['bob@localhost', 'example.org/bot']);
    bob.send(chat('alice@localhost/two', 'after'));
    assert.equal(errorCondition(await bob.expect((e) => e.attrs.id === 'after')), 'service-unavailable');
  });
});
