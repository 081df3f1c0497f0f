// Paging through a 10,000-message archive over real sockets (XEP-0313 §4.3, XEP-0059). The
// messages are written straight into the running server's storage (the same SQLite database,
// through ArchiveStore.append, with ids from the module's own generator at times one second
// apart in the past), which takes well under a second instead of 10,000 round trips.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { mamQuery, type MamAnswer, type MamRequest } from '../support/mam.js';
import { ArchiveIds } from '../../src/modules/mam/ids.js';
import type { ArchiveEntry } from '../../src/storage/types.js';

const TOTAL = 10_000;
const PAGE = 250;
/** Message i was archived at T0 + i seconds. */
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const iso = (i: number): string => new Date(T0 + i * 1000).toISOString();
const contact = (i: number): string => (i % 2 === 0 ? 'bob@localhost' : 'carol@example.net');

describe('message archive paging over 10,000 messages (XEP-0313 §4.3, XEP-0059)', function () {
  this.timeout(60_000);
  let ts: TestServer;
  let alice: RawClient;
  const ids: string[] = [];

  const bodies = (a: MamAnswer): number[] => a.messages.map((m) => Number(m.getChildText('body')));
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

  /** Pages through with `next` until a page is complete; returns the pages. */
  async function pageThrough(first: MamRequest, next: (prev: MamAnswer) => MamRequest): Promise<MamAnswer[]> {
    const pages: MamAnswer[] = [];
    let req = first;
    for (;;) {
      const page = await mamQuery(alice, req);
      assert.equal(page.iq.attrs.type, 'result');
      pages.push(page);
      if (page.complete) return pages;
      assert.ok(pages.length <= TOTAL / PAGE + 1, 'paging ends');
      req = next(page);
    }
  }

  before(async () => {
    ts = await startTestServer();
    await ts.addUser('alice@localhost', 'pw-alice');
    const gen = new ArchiveIds();
    const entries: ArchiveEntry[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const { id, at } = gen.next(T0 + i * 1000);
      ids.push(id);
      const [w, res] = [contact(i), i % 4 === 0 ? 'phone' : ''];
      const stanza = xml('message', { xmlns: 'jabber:client', from: res ? `${w}/${res}` : w, to: 'alice@localhost', type: 'chat', id: `m${i}` }, xml('body', {}, String(i)));
      entries.push({ host: 'localhost', username: 'alice', id, at: new Date(at), with: w, withResource: res, stanza: stanza.toString() });
    }
    for (let i = 0; i < TOTAL; i += 1000) await ts.server.storage.archive.append(entries.slice(i, i + 1000));
    alice = await RawClient.connect({ port: ts.c2sPort, ca: await ts.ca() });
    await alice.login('alice', 'pw-alice', 'pager');
  });
  after(async () => {
    await alice.close();
    await ts.stop();
  });

  it('pages forward with <after/>: every message once, in order; only the last page is complete (§4.3.2)', async () => {
    const pages = await pageThrough({ max: PAGE }, (prev) => ({ max: PAGE, after: prev.last! }));
    assert.equal(pages.length, TOTAL / PAGE);
    assert.deepEqual(pages.flatMap(bodies), range(0, TOTAL));
    assert.deepEqual(pages.flatMap((p) => p.ids), ids);
    assert.deepEqual(pages.map((p) => p.complete), [...Array<boolean>(pages.length - 1).fill(false), true]);
    for (const p of pages) {
      assert.equal(p.first, p.ids[0]);
      assert.equal(p.last, p.ids[p.ids.length - 1]);
    }
  });

  it('pages backward from the last page (empty <before/>) with <before/>: oldest page is complete (§4.3.3, XEP-0059 §2.5)', async () => {
    const pages = await pageThrough({ max: PAGE, before: '' }, (prev) => ({ max: PAGE, before: prev.first! }));
    assert.equal(pages.length, TOTAL / PAGE);
    assert.deepEqual(bodies(pages[0]!), range(TOTAL - PAGE, TOTAL), 'the last page, in chronological order');
    assert.deepEqual(pages.reverse().flatMap(bodies), range(0, TOTAL));
    assert.equal(pages[0]!.complete, true);
  });

  it('caps a page at the server maximum; <max>0</max> gives the count only (§4.3.1, XEP-0059 §2.7)', async () => {
    const big = await mamQuery(alice, { max: 100_000 });
    assert.equal(big.messages.length, PAGE);
    assert.equal(big.complete, false);
    const noMax = await mamQuery(alice, {});
    assert.equal(noMax.messages.length, PAGE);
    const counted = await mamQuery(alice, { max: 0, fields: { with: 'bob@localhost' } });
    assert.deepEqual([counted.messages.length, counted.count], [0, TOTAL / 2]);
  });

  it('selects by after-id and before-id, which do not page backwards (§4.1.3, §9)', async () => {
    const between = await mamQuery(alice, { fields: { 'after-id': ids[4000]!, 'before-id': ids[4100]! } });
    assert.deepEqual(bodies(between), range(4001, 4100));
    assert.equal(between.complete, true);
    const fromMiddle = await mamQuery(alice, { max: 10, fields: { 'before-id': ids[5000]! } });
    assert.deepEqual(bodies(fromMiddle), range(0, 10), 'before-id bounds, the page still starts at the oldest');
    const rsmBack = await mamQuery(alice, { max: 10, before: ids[5000]! });
    assert.deepEqual(bodies(rsmBack), range(4990, 5000), 'RSM before pages backwards');
    const next = await mamQuery(alice, { max: 10, fields: { 'after-id': ids[9000]! }, after: ids[9500]! });
    assert.deepEqual(bodies(next), range(9501, 9511), 'the tighter of after-id and after');
  });

  it('fetches single messages by id (ids, §4.1.3)', async () => {
    const some = await mamQuery(alice, { fields: { ids: [ids[7777]!, ids[3]!, ids[9999]!] } });
    assert.deepEqual(bodies(some), [3, 7777, 9999]);
    assert.equal(some.complete, true);
  });

  it("filters by contact: a bare JID matches all its resources, a full JID only that one (§4.1.1)", async () => {
    const pages = await pageThrough({ max: PAGE, fields: { with: 'bob@localhost' } }, (prev) => ({ max: PAGE, after: prev.last!, fields: { with: 'bob@localhost' } }));
    assert.deepEqual(pages.flatMap(bodies), range(0, TOTAL).filter((i) => i % 2 === 0));
    const phone = await mamQuery(alice, { max: 5, fields: { with: 'bob@localhost/phone' }, before: '' });
    assert.deepEqual(bodies(phone), [9980, 9984, 9988, 9992, 9996]);
    const carol = await mamQuery(alice, { max: 0, fields: { with: 'carol@example.net' } });
    assert.equal(carol.count, TOTAL / 2);
  });

  it('filters by time: start and end are inclusive, to the millisecond (§4.1.2)', async () => {
    const window = await mamQuery(alice, { max: 0, fields: { start: iso(1000), end: iso(1999) } });
    assert.equal(window.count, 1000);
    const first = await mamQuery(alice, { max: 3, fields: { start: iso(1000), end: iso(1999) } });
    assert.deepEqual(bodies(first), [1000, 1001, 1002]);
    const last = await mamQuery(alice, { max: 3, fields: { start: iso(1000), end: iso(1999) }, before: '' });
    assert.deepEqual(bodies(last), [1997, 1998, 1999]);
    const offset = await mamQuery(alice, { max: 2, fields: { start: '2024-05-01T14:00:00.001+02:00' } });
    assert.deepEqual(bodies(offset), [1, 2], 'a zone offset and a fraction are honoured');
    const empty = await mamQuery(alice, { fields: { start: iso(5), end: iso(4) } });
    assert.deepEqual([empty.messages.length, empty.complete, empty.first], [0, true, undefined]);
  });

  it('flips a page: the same results, newest first, with the same first and last (§4.3.4)', async () => {
    const plain = await mamQuery(alice, { max: 20, after: ids[100]! });
    const flipped = await mamQuery(alice, { max: 20, after: ids[100]!, flip: true });
    assert.deepEqual(flipped.ids, [...plain.ids].reverse());
    assert.deepEqual([flipped.first, flipped.last, flipped.complete], [plain.first, plain.last, plain.complete]);
  });
});
