// Roster management over real sockets (RFC 6121 §2): get, set, update, remove, pushes to the
// interested resources only, the error cases, the size limit, and roster versioning (XEP-0237,
// RFC 6121 §2.6). Every test uses fresh accounts, on the default SQLite storage.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Peer } from '../support/peer.js';
import { anyPush, isPush, NS_ROSTER } from '../support/roster-push.js';

const MAX = 5;


const rosterGet = (ver?: string, to?: string) =>
  xml('iq', to ? { type: 'get', to } : { type: 'get' }, xml('query', ver === undefined ? { xmlns: NS_ROSTER } : { xmlns: NS_ROSTER, ver }));
const rosterSet = (item: Element, to?: string) => xml('iq', to ? { type: 'set', to } : { type: 'set' }, xml('query', { xmlns: NS_ROSTER }, item));
const item = (jid: string, attrs: Record<string, string> = {}, ...groups: string[]) =>
  xml('item', { jid, ...attrs }, ...groups.map((g) => xml('group', {}, g)));
const items = (res: Element): Element[] => res.getChild('query', NS_ROSTER)?.getChildren('item') ?? [];
const jids = (res: Element): string[] => items(res).map((i) => i.attrs.jid as string);

describe('roster management (RFC 6121 §2, XEP-0237)', () => {
  let ts: TestServer;
  let ca: string;
  let n = 0;
  const peers: Peer[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.modules.roster = { max_items: MAX };
    });
    ca = await ts.ca();
  });
  afterEach(() => {
    for (const p of peers.splice(0)) p.client.destroy();
  });
  after(() => ts.stop());

  async function account(): Promise<string> {
    const name = `r${++n}`;
    await ts.addUser(`${name}@localhost`, 'pw');
    return name;
  }

  /** Logs in; with `interested`, requests the roster (§2.2) and returns its result too. */
  async function connect(user: string, resource: string, interested = true): Promise<Peer> {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    const p = new Peer(c, await c.login(user, 'pw', resource));
    peers.push(p);
    if (interested) await p.iq(rosterGet());
    return p;
  }

  it('offers the roster versioning and pre-approval stream features after authentication (XEP-0237 §2.1, RFC 6121 §3.4)', async () => {
    const user = await account();
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    try {
      let features = await c.open();
      assert.equal(features.getChild('ver', 'urn:xmpp:features:rosterver'), undefined, 'not before authentication');
      features = await c.starttls();
      assert.equal(await c.scram(features, user, 'pw', 'SCRAM-SHA-256'), 'success');
      features = await c.open();
      assert.ok(features.getChild('bind'));
      assert.ok(features.getChild('ver', 'urn:xmpp:features:rosterver'));
      assert.ok(features.getChild('sub', 'urn:xmpp:features:pre-approval'));
    } finally {
      c.destroy();
    }
  });

  it('returns an empty roster with a version to a new account (§2.1.3, XEP-0237 §2.4)', async () => {
    const p = await connect(await account(), 'a', false);
    const res = await p.iq(rosterGet());
    assert.equal(res.attrs.type, 'result');
    const q = res.getChild('query', NS_ROSTER)!;
    assert.ok(typeof q.attrs.ver === 'string' && q.attrs.ver.length > 0);
    assert.deepEqual(items(res), []);
  });

  it('adds an item: result, a push to every interested resource including the sender, none to the others (§2.3.2, §2.1.6)', async () => {
    const user = await account();
    const a = await connect(user, 'a');
    const b = await connect(user, 'b');
    const quiet = await connect(user, 'quiet', false);
    const res = await a.iq(rosterSet(item('Nurse@Example.com', { name: 'Nurse' }, 'Servants', 'Friends')));
    assert.equal(res.attrs.type, 'result');
    for (const p of [a, b]) {
      const push = await p.take(isPush('nurse@example.com'));
      assert.equal(push.attrs.to, p.jid);
      assert.equal(push.attrs.from, undefined, 'a push comes from the account itself');
      const q = push.getChild('query')!;
      assert.ok(q.attrs.ver);
      const i = q.getChild('item')!;
      assert.deepEqual([i.attrs.name, i.attrs.subscription, i.attrs.ask], ['Nurse', 'none', undefined]);
      assert.deepEqual(i.getChildren('group').map((g) => g.getText()), ['Friends', 'Servants']);
      p.send(xml('iq', { type: 'result', id: push.attrs.id as string }));
    }
    assert.deepEqual((await quiet.drain()).filter(anyPush), [], 'a resource that never asked for the roster gets no push');
    const roster = await quiet.iq(rosterGet());
    assert.deepEqual(jids(roster), ['nurse@example.com']);
  });

  it('updates name and groups, keeping the subscription state (§2.4)', async () => {
    const user = await account();
    const a = await connect(user, 'a');
    await a.iq(rosterSet(item('romeo@example.net', { name: 'Romeo' }, 'Friends')));
    await a.take(isPush('romeo@example.net'));
    await ts.server.storage.roster.setItem('localhost', user, { jid: 'romeo@example.net', name: 'Romeo', subscription: 'both', ask: false, approved: false, groups: ['Friends'] });
    await a.iq(rosterSet(item('romeo@example.net', {}, 'Lovers')));
    const push = await a.take(isPush('romeo@example.net'));
    const i = push.getChild('query')!.getChild('item')!;
    assert.deepEqual([i.attrs.name, i.attrs.subscription], [undefined, 'both']);
    assert.deepEqual(i.getChildren('group').map((g) => g.getText()), ['Lovers']);
  });

  it('removes an item with a push of subscription="remove"; removing it again is item-not-found (§2.5.2, §2.5.3)', async () => {
    const user = await account();
    const a = await connect(user, 'a');
    const b = await connect(user, 'b');
    await a.iq(rosterSet(item('nurse@example.com')));
    await b.take(isPush('nurse@example.com'));
    const res = await a.iq(rosterSet(item('nurse@example.com', { subscription: 'remove' })));
    assert.equal(res.attrs.type, 'result');
    for (const p of [a, b]) {
      const push = await p.take((e) => isPush('nurse@example.com')(e) && e.getChild('query')!.getChild('item')!.attrs.subscription === 'remove');
      assert.ok(push);
    }
    assert.deepEqual(jids(await a.iq(rosterGet())), []);
    assert.equal(errorCondition(await a.iq(rosterSet(item('nurse@example.com', { subscription: 'remove' })))), 'item-not-found');
  });

  it('answers each invalid roster set with the condition of §2.3.3 and changes nothing', async () => {
    const user = await account();
    const a = await connect(user, 'a');
    const two = xml('iq', { type: 'set' }, xml('query', { xmlns: NS_ROSTER }, item('x@example.com'), item('y@example.com')));
    assert.equal(errorCondition(await a.iq(two)), 'bad-request');
    assert.equal(errorCondition(await a.iq(rosterSet(item('x@example.com', {}, 'G', 'G')))), 'bad-request');
    assert.equal(errorCondition(await a.iq(rosterSet(item('x@example.com', {}, '')))), 'not-acceptable');
    assert.equal(errorCondition(await a.iq(rosterSet(item('x@example.com', { name: 'n'.repeat(1024) })))), 'not-acceptable');
    assert.equal(errorCondition(await a.iq(rosterSet(item('x@example.com', {}, 'g'.repeat(1024))))), 'not-acceptable');
    assert.equal(errorCondition(await a.iq(rosterSet(item('x@@example.com')))), 'jid-malformed');
    assert.equal(errorCondition(await a.iq(rosterSet(item(`${user}@localhost`)))), 'not-allowed');
    const fine = await a.iq(rosterSet(item('x@example.com', { name: 'n'.repeat(1023) }, 'g'.repeat(1023))));
    assert.equal(fine.attrs.type, 'result');
    assert.deepEqual(jids(await a.iq(rosterGet())), ['x@example.com']);
  });

  it('refuses roster gets and sets on another account with forbidden (§2.3.3)', async () => {
    const [user, other] = [await account(), await account()];
    const a = await connect(user, 'a');
    assert.equal(errorCondition(await a.iq(rosterGet(undefined, `${other}@localhost`))), 'forbidden');
    assert.equal(errorCondition(await a.iq(rosterSet(item('x@example.com'), `${other}@localhost`))), 'forbidden');
    // RFC 6121 §8.5.1: an IQ to an account that does not exist gets service-unavailable.
    assert.equal(errorCondition(await a.iq(rosterGet(undefined, 'nobody@localhost'))), 'service-unavailable');
    const own = await a.iq(rosterGet(undefined, `${user}@localhost`));
    assert.equal(own.attrs.type, 'result', 'the user\'s own bare JID is fine');
  });

  it(`refuses a new item past max_items (${MAX}) with not-allowed, still updates existing ones, and refuses a subscription request that would add one`, async () => {
    const user = await account();
    const a = await connect(user, 'a');
    for (let i = 0; i < MAX; i++) assert.equal((await a.iq(rosterSet(item(`c${i}@example.com`)))).attrs.type, 'result');
    const res = await a.iq(rosterSet(item('one-more@example.com')));
    assert.equal(errorCondition(res), 'not-allowed');
    assert.equal(res.getChild('error')!.attrs.type, 'cancel');
    assert.equal((await a.iq(rosterSet(item('c0@example.com', { name: 'still fine' })))).attrs.type, 'result');
    a.send(xml('presence', { to: 'one-more@example.com', type: 'subscribe', id: 'sub-full' }));
    const err = await a.take((e) => e.attrs.id === 'sub-full');
    assert.equal(errorCondition(err), 'not-allowed');
    assert.equal(jids(await a.iq(rosterGet())).length, MAX);
  });

  describe('versioning (XEP-0237 §2.3, §2.4; RFC 6121 §2.6)', () => {
    async function seeded(): Promise<{ user: string; a: Peer; ver: string }> {
      const user = await account();
      const a = await connect(user, 'a');
      for (const j of ['p@example.com', 'q@example.com', 'r@example.com']) {
        await a.iq(rosterSet(item(j)));
        await a.take(isPush(j));
      }
      const res = await a.iq(rosterGet(''));
      assert.deepEqual(jids(res), ['p@example.com', 'q@example.com', 'r@example.com'], 'ver="" bootstraps with the full roster');
      return { user, a, ver: res.getChild('query')!.attrs.ver as string };
    }

    it('answers a request with the current version by an empty result and no pushes', async () => {
      const { user, ver } = await seeded();
      const b = await connect(user, 'b', false);
      const res = await b.iq(rosterGet(ver));
      assert.equal(res.attrs.type, 'result');
      assert.equal(res.children.length, 0, 'an empty IQ result, not an empty query');
      assert.deepEqual((await b.drain()).filter(anyPush), []);
    });

    it('answers an older version by an empty result, then one push per changed item, in the order of change, each with its own version', async () => {
      const { user, a, ver } = await seeded();
      await a.iq(rosterSet(item('p@example.com', { name: 'Pat' })));
      await a.iq(rosterSet(item('q@example.com', { subscription: 'remove' })));
      await a.iq(rosterSet(item('s@example.com')));
      const current = (await a.iq(rosterGet())).getChild('query')!.attrs.ver as string;
      assert.notEqual(current, ver);

      const b = await connect(user, 'b', false);
      const id = 'versioned';
      const req = rosterGet(ver);
      req.attrs.id = id;
      b.send(req);
      const seen: Element[] = [];
      while (seen.filter(anyPush).length < 3) seen.push(await b.take(() => true));
      const result = seen.findIndex((e) => e.attrs.id === id);
      assert.equal(seen[result]!.attrs.type, 'result');
      assert.equal(seen[result]!.children.length, 0);
      const pushes = seen.filter(anyPush);
      assert.ok(seen.indexOf(pushes[0]!) > result, 'the pushes follow the result');
      const pushed = pushes.map((p) => {
        const i = p.getChild('query')!.getChild('item')!;
        return `${i.attrs.jid as string}:${(i.attrs.subscription as string)}:${(i.attrs.name as string | undefined) ?? ''}`;
      });
      // XEP-0237 §2.4: "in order of modification", and every version unique.
      assert.deepEqual(pushed, ['p@example.com:none:Pat', 'q@example.com:remove:', 's@example.com:none:']);
      const vers = pushes.map((p) => p.getChild('query')!.attrs.ver as string);
      assert.equal(new Set(vers).size, 3, vers.join(' '));
      assert.equal(vers.at(-1), current);
      assert.deepEqual((await b.drain()).filter(anyPush), [], 'nothing unchanged is pushed (r)');
    });

    it('answers an unknown or malformed version with the full roster and its version', async () => {
      const { user, ver } = await seeded();
      const b = await connect(user, 'b', false);
      for (const v of ['nonsense', `${ver}9`, `x${ver}`, '0-1']) {
        const res = await b.iq(rosterGet(v));
        assert.deepEqual(jids(res), ['p@example.com', 'q@example.com', 'r@example.com'], v);
        assert.equal(res.getChild('query')!.attrs.ver, ver, v);
      }
    });

    it('does not take a version of a deleted account for one of a new account of the same name', async () => {
      const { user, ver } = await seeded();
      for (const p of peers.splice(0)) p.client.destroy();
      await new Promise((r) => setTimeout(r, 100));
      await ts.server.storage.accounts.delete('localhost', user);
      // A new account with the same name, created a moment later, with its own changes.
      await new Promise((r) => setTimeout(r, 5));
      await ts.addUser(`${user}@localhost`, 'pw');
      const b = await connect(user, 'b', false);
      for (let i = 0; i < 4; i++) await b.iq(rosterSet(item(`new${i}@example.com`)));
      const res = await b.iq(rosterGet(ver));
      assert.deepEqual(jids(res), ['new0@example.com', 'new1@example.com', 'new2@example.com', 'new3@example.com']);
    });
  });
});
