// Last Activity (XEP-0012) over real sockets: server uptime, an offline contact's logout time and
// status, 0 seconds while online, and refusals for those not allowed to see presence.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Subscription } from '../../src/storage/types.js';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from '../support/server.js';

const NS = 'jabber:iq:last';
const last = (to: string): Element => xml('iq', { type: 'get', to }, xml('query', { xmlns: NS }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('last activity (XEP-0012)', () => {
  let ts: TestServer;
  let startedBefore: number;
  const clients: RawClient[] = [];

  const login = async (user: string, resource: string): Promise<RawClient> => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca: await ts.ca() });
    clients.push(c);
    await c.login(user, `pw-${user}`, resource);
    return c;
  };
  /** `owner` lets `contact` see their presence (or not), straight in the roster store. */
  const subscription = (owner: string, contact: string, sub: Subscription): Promise<number> =>
    ts.server.storage.roster.setItem('localhost', owner, { jid: `${contact}@localhost`, subscription: sub, ask: false, approved: false, groups: [] });

  before(async () => {
    startedBefore = Date.now();
    // The default module set, with last activity enabled whatever that set says.
    ts = await startTestServer((c) => {
      c.modules = { ...c.modules, last: {} };
    });
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'b1', 'b2', 'b3']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    await subscription('alice', 'bob', 'from');
    await subscription('alice', 'dave', 'to');
    await subscription('erin', 'bob', 'both');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await ts.stop();
  });

  it('answers a query to the server with its uptime in seconds and no text (§5)', async () => {
    const bob = await login('bob', 'uptime');
    const res = await bob.iq(last('localhost'));
    const q = res.getChild('query', NS)!;
    assert.match(q.attrs.seconds as string, /^\d+$/);
    const seconds = Number(q.attrs.seconds);
    assert.ok(seconds >= 0 && seconds <= (Date.now() - startedBefore) / 1000 + 1, `uptime ${seconds}`);
    assert.equal(q.getText(), '');
  });

  it('answers 0 seconds without text while the user has a connected resource (§3)', async () => {
    await login('alice', 'home');
    const bob = await login('bob', 'online');
    const res = await bob.iq(last('alice@localhost'));
    assert.equal(res.attrs.type, 'result');
    assert.equal(res.attrs.from, 'alice@localhost');
    assert.equal(res.getChild('query', NS)!.attrs.seconds, '0');
    assert.equal(res.getChild('query', NS)!.getText(), '');
  });

  it('refuses a full-JID query from someone without a subscription, without delivering it (§4)', async () => {
    const alice = await login('alice', 'balcony');
    const carol = await login('carol', 'full');
    const res = await carol.iq(last('alice@localhost/balcony'));
    assert.equal(errorCondition(res), 'forbidden');
    await assert.rejects(alice.next(300), /no element/, 'the query reached the resource');
  });

  it('delivers a full-JID query from a contact allowed to see presence to the resource (§4)', async () => {
    const alice = await login('alice', 'desk');
    const bob = await login('bob', 'full');
    const pending = bob.iq(last('alice@localhost/desk'));
    const req = await alice.expect((e) => e.name === 'iq' && e.getChild('query', NS) !== undefined);
    assert.equal(req.attrs.from, 'bob@localhost/full');
    alice.send(xml('iq', { type: 'result', id: req.attrs.id as string, to: req.attrs.from as string }, xml('query', { xmlns: NS, seconds: '42' })));
    const res = await pending;
    assert.equal(res.getChild('query', NS)!.attrs.seconds, '42');
  });

  it('answers a contact with the seconds since the last session ended and the last unavailable status (§3)', async () => {
    for (const c of clients.splice(0)) c.destroy(); // alice goes fully offline
    const alice = await login('alice', 'leaving');
    alice.write("<presence/><presence type='unavailable'><status>Heading Home</status></presence>");
    await sleep(50);
    await alice.close();
    await sleep(1100);
    const bob = await login('bob', 'later');
    let q: Element | undefined;
    for (let i = 0; i < 20; i++) {
      q = (await bob.iq(last('alice@localhost'))).getChild('query', NS);
      if (q && q.attrs.seconds !== '0') break;
      await sleep(50);
    }
    assert.ok(q);
    const seconds = Number(q.attrs.seconds);
    assert.ok(seconds >= 1 && seconds <= 10, `seconds ${seconds}`);
    assert.equal(q.getText(), 'Heading Home');
  });

  it('writes logouts to storage in batches shortly after they happen', async () => {
    for (const c of clients.splice(0)) c.destroy();
    const sessions = [];
    for (const u of ['b1', 'b2', 'b3']) sessions.push(await login(u, 'batch'));
    // Every write of last-activity records, by the users it carried.
    const kv = ts.server.storage.keyValue;
    const setMany = kv.setMany.bind(kv);
    const writes: string[][] = [];
    kv.setMany = async (rows) => {
      writes.push(rows.filter((r) => r.key === 'last').map((r) => r.username));
      return setMany(rows);
    };
    try {
      const closedAt = Date.now();
      await Promise.all(sessions.map((c) => c.close()));
      const stored = async (u: string): Promise<string | undefined> => kv.get('localhost', u, 'last');
      for (let i = 0; i < 100 && (await stored('b3')) === undefined; i++) await sleep(20);
      for (const u of ['b1', 'b2', 'b3']) {
        const rec = JSON.parse((await stored(u)) ?? 'null') as { at: number } | null;
        assert.ok(rec && rec.at >= closedAt - 1000, `${u}: ${JSON.stringify(rec)}`);
      }
      // (the sessions closed just before may share the write)
      const carrying = writes.filter((w) => ['b1', 'b2', 'b3'].some((u) => w.includes(u)));
      assert.equal(carrying.length, 1, `the three logouts in one write: ${JSON.stringify(writes)}`);
      assert.ok(['b1', 'b2', 'b3'].every((u) => carrying[0]!.includes(u)));
    } finally {
      kv.setMany = setMany;
    }
  });

  it('refuses someone the user has no presence subscription to, with forbidden (§3, §8)', async () => {
    const carol = await login('carol', 'offline');
    assert.equal(errorCondition(await carol.iq(last('alice@localhost'))), 'forbidden');
    // Alice's roster shows dave with subscription 'to': she sees his presence, he not hers.
    const dave = await login('dave', 'offline');
    assert.equal(errorCondition(await dave.iq(last('alice@localhost'))), 'forbidden');
  });

  it('answers service-unavailable for an account that does not exist (RFC 6121 §8.5.1)', async () => {
    const carol = await login('carol', 'nobody');
    assert.equal(errorCondition(await carol.iq(last('nobody@localhost'))), 'service-unavailable');
  });

  it('answers item-not-found for a contact who never logged out (§3)', async () => {
    const bob = await login('bob', 'erin');
    assert.equal(errorCondition(await bob.iq(last('erin@localhost'))), 'item-not-found');
  });

  it('announces jabber:iq:last on the server and on the account (§6)', async () => {
    const bob = await login('bob', 'disco');
    for (const to of ['localhost', 'bob@localhost']) {
      const res = await bob.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      const features = res.getChild('query')!.getChildren('feature').map((f) => f.attrs.var as string);
      assert.ok(features.includes(NS), to);
    }
  });
});

describe('last activity across a restart (XEP-0012)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-last-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('records the end of sessions closed by a shutdown, and reports it after the restart (§3)', async () => {
    const enable: ConfigChange = (c) => {
      c.modules = { ...c.modules, last: {} };
    };
    const first = await startTestServer(enable, { dataDir: dir });
    await first.addUser('alice@localhost', 'pw-alice');
    await first.addUser('bob@localhost', 'pw-bob');
    await first.server.storage.roster.setItem('localhost', 'alice', { jid: 'bob@localhost', subscription: 'both', ask: false, approved: false, groups: [] });
    const alice = await RawClient.connect({ port: first.c2sPort, ca: await first.ca() });
    await alice.login('alice', 'pw-alice', 'home');
    await first.stop();
    alice.destroy();

    const second = await startTestServer(enable, { dataDir: dir });
    try {
      const bob = await RawClient.connect({ port: second.c2sPort, ca: await second.ca() });
      await bob.login('bob', 'pw-bob', 'b');
      const res = await bob.iq(last('alice@localhost'));
      bob.destroy();
      assert.equal(res.attrs.type, 'result', res.toString());
      assert.match(res.getChild('query', NS)!.attrs.seconds as string, /^\d+$/);
    } finally {
      await second.stop();
    }
  });
});
