// Interop of the modern-client features with slixmpp (Debian python3-slixmpp 1.8.x), each driven
// by its own script in test/interop/ and run with the Debian Python over STARTTLS with the
// certificate verified: stream management with a dropped connection and resumption (XEP-0198),
// message carbons (XEP-0280), the message archive with paging (XEP-0313, XEP-0059), and PEP:
// avatars to a contact whose caps ask for them (XEP-0163, XEP-0084, XEP-0115) and bookmarks
// (XEP-0402 with XEP-0048).
import assert from 'node:assert/strict';
import { startInteropServer, type InteropServer } from '../interop/fixture.js';
import type { DriverEvent, DriverResult } from '../interop/process.js';
import { requirePython, runPython } from '../interop/python.js';

const TIMEOUT_S = 10;

describe('interop: slixmpp modern-client features (XEP-0198, XEP-0280, XEP-0313, XEP-0163, XEP-0084, XEP-0402)', function () {
  this.timeout(60_000);
  let server: InteropServer | undefined;

  before(async function () {
    requirePython(this, 'slixmpp', 'python3-slixmpp');
    server = await startInteropServer(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan']);
  });
  after(() => server?.stop());

  /** Runs a driver for `user` and `peer` (both with their test passwords); it must succeed. */
  async function run(name: string, user: string, peer: string, bound: number, extra: string[] = []): Promise<DriverResult> {
    const { ts, caFile } = server!;
    const res = await runPython(name, ['--port', String(ts.c2sPort), '--ca', caFile, '--timeout', String(TIMEOUT_S),
      '--jid', `${user}@localhost`, '--password', `pw-${user}`, '--peer-jid', `${peer}@localhost`, '--peer-password', `pw-${peer}`, ...extra],
    (TIMEOUT_S * bound + 5) * 1000);
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    return res;
  }
  const all = (res: DriverResult, name: string): DriverEvent[] => res.events.filter((e) => e.event === name);

  it('resumes a stream whose TCP connection dropped without a stream close: what was sent meanwhile arrives exactly once (XEP-0198 §3, §5)', async () => {
    const res = await run('slixmpp_sm.py', 'alice', 'bob', 4);
    const [enabled, resumed] = all(res, 'sm');
    assert.ok(enabled && resumed, JSON.stringify(res.events));
    assert.equal(enabled.kind, 'enabled');
    assert.equal(enabled.resume, 'true', 'resumption granted (§3)');
    assert.equal(typeof enabled.id, 'string');
    assert.equal(enabled.max, '300', 'the server\'s resumption window, as configured');
    assert.equal(resumed.kind, 'resumed');
    assert.equal(resumed.previd, enabled.id, '<resumed/> names the stream resumed (§5)');
    // alice sent three stanzas after <enable/>: her presence, the message to bob and a ping.
    assert.equal(resumed.h, '3', 'the server handled all three stanzas alice sent before the drop');
    assert.equal(resumed.who, enabled.who, 'the session keeps its full JID');
    assert.deepEqual(all(res, 'bodies')[0]?.bodies, ['before the drop', 'away 1', 'away 2', 'away 3', 'after the resumption']);
    assert.deepEqual(all(res, 'bounced')[0]?.errors, [], 'nothing sent to the dropped session bounced');
    assert.equal(await server!.ts.server.storage.offline.count('localhost', 'alice'), 0, 'nor was any of it also stored offline');
    assert.equal(all(res, 'received')[0]?.body, 'hello bob');
  });

  it('copies received and sent messages to the other resource that enabled carbons, and not a private one (XEP-0280 §4, §7, §8, §9)', async () => {
    const res = await run('slixmpp_carbons.py', 'carol', 'dave', 5);
    assert.deepEqual(all(res, 'carbons-enabled').map((e) => e.type), ['result', 'result']);
    const dave = String(all(res, 'online')[2]?.jid);
    const log = (resource: string): Entry[] => all(res, 'log').find((e) => e.who === `carol@localhost/${resource}`)?.entries as Entry[];
    const desktop = log('desktop');
    const phone = log('phone');
    assert.ok(desktop && phone, JSON.stringify(res.events));
    // Each carbon comes from the account's bare JID to the resource (§7, §8); slixmpp drops others.
    for (const [resource, entries] of [['desktop', desktop], ['phone', phone]] as const) {
      for (const e of entries.filter((x) => x.kind !== 'message')) assert.deepEqual([e.from, e.to], ['carol@localhost', `carol@localhost/${resource}`]);
    }
    assert.deepEqual(desktop.map((e) => [e.kind, e.body, e.inner?.from, e.inner?.to]), [
      ['message', 'to the desktop', undefined, undefined],
      ['message', 'to the account', undefined, undefined],
      ['sent', 'from the phone', 'carol@localhost/phone', 'dave@localhost'],
      ['message', 'the end', undefined, undefined],
    ]);
    assert.deepEqual(phone.map((e) => [e.kind, e.body, e.inner?.from, e.inner?.to]), [
      ['received', 'to the desktop', dave, 'carol@localhost/desktop'],
      ['received', 'to the account', dave, 'carol@localhost'],
      ['sent', 'from the desktop', 'carol@localhost/desktop', 'dave@localhost'],
      ['received', 'the end', dave, 'carol@localhost/desktop'],
    ], 'no carbon of the private message');
    assert.deepEqual(all(res, 'peer')[0]?.bodies, ['from the desktop', 'from the phone', 'off the record']);
  });

  it('pages through the archive two at a time forwards and backwards, with and without a contact filter (XEP-0313 §4.1.1, §4.3.2; XEP-0059)', async () => {
    const res = await run('slixmpp_mam.py', 'erin', 'frank', 6, ['--third-jid', 'ivan@localhost']);
    const pages = (query: string): Page[] => all(res, 'page').filter((e) => e.query === query) as unknown as Page[];
    const bodies = (query: string): string[][] => pages(query).map((p) => p.messages.map((m) => m.body));
    assert.deepEqual(bodies('all'), [['one', 'two'], ['to the third', 'three'], ['four', 'five']]);
    assert.deepEqual(bodies('with'), [['one', 'two'], ['three', 'four'], ['five']]);
    assert.deepEqual(bodies('backwards'), [['four', 'five'], ['two', 'three'], ['one']]);
    for (const query of ['all', 'with', 'backwards']) {
      const ps = pages(query);
      // Only the page that reaches the end of the results is complete (§4.3.2).
      assert.deepEqual(ps.map((p) => p.complete), ps.map((_, i) => (i === ps.length - 1 ? 'true' : 'false')), query);
      for (const p of ps) assert.deepEqual([p.first, p.last], [p.messages[0]?.id, p.messages.at(-1)?.id], `${query}: <first/> and <last/> name the page's ends`);
    }
    const byBody = new Map(pages('all').flatMap((p) => p.messages).map((m) => [m.body, m]));
    assert.equal(new Set([...byBody.values()].map((m) => m.id)).size, 6, 'every archived message has its own id');
    for (const query of ['with', 'backwards']) {
      for (const m of pages(query).flatMap((p) => p.messages)) assert.deepEqual(m, byBody.get(m.body), 'the same message whatever the query');
    }
    const stamps = [...byBody.values()].map((m) => Date.parse(m.stamp));
    assert.deepEqual(stamps, [...stamps].sort((x, y) => x - y), 'oldest first');
    const erin = String(all(res, 'online')[0]?.jid);
    const frank = String(all(res, 'online')[1]?.jid);
    assert.deepEqual(['one', 'two', 'to the third'].map((b) => [byBody.get(b)?.from, byBody.get(b)?.to]),
      [[erin, 'frank@localhost'], [frank, 'erin@localhost'], [erin, 'ivan@localhost']]);
    // The id a result carries is the stanza-id the live message carried (XEP-0313 §3.5, XEP-0359).
    const live = all(res, 'live')[0]?.stanzaIds as Record<string, string>;
    assert.deepEqual([live.two, live.four], [byBody.get('two')?.id, byBody.get('four')?.id]);
  });

  it('notifies a subscribed contact whose caps ask for avatar metadata, who fetches the data; bookmarks agree between XEP-0402 and XEP-0048 (XEP-0163 §4.3, XEP-0084 §3, XEP-0115, XEP-0402 §3.3, §6.3)', async () => {
    const res = await run('slixmpp_pep.py', 'grace', 'heidi', 6);
    const published = all(res, 'published')[0];
    assert.ok(published, JSON.stringify(res.events));
    const notifications = all(res, 'notifications')[0]?.notifications as Notification[];
    assert.equal(notifications.length, 1, JSON.stringify(notifications));
    assert.deepEqual([notifications[0]?.from, notifications[0]?.id], ['grace@localhost', published.id]);
    assert.deepEqual(notifications[0]?.infos, [{ id: published.id, type: 'image/png', bytes: String(published.bytes), width: '4', height: '3' }]);
    const fetched = all(res, 'fetched')[0];
    assert.deepEqual([fetched?.id, fetched?.sha1, fetched?.same], [published.id, published.id, true]);

    assert.deepEqual(all(res, 'private-bookmarks')[0]?.conferences, [{ jid: 'coven@muc.localhost', name: 'The Coven', autojoin: true, nick: 'grace' }]);
    const items = (all(res, 'native-bookmarks')[0]?.items as { id: string }[]).sort((x, y) => x.id.localeCompare(y.id));
    assert.deepEqual(items, [
      { id: 'coven@muc.localhost', name: 'The Coven', autojoin: 'true', nick: 'grace' },
      { id: 'library@muc.localhost', name: 'Library', autojoin: null, nick: 'grace' },
    ]);
    // The bookmarks node is whitelisted: a contact may not read it (XEP-0223 §2; XEP-0060 §6.5.9, not on whitelist).
    const denied = all(res, 'contact-bookmarks')[0];
    assert.deepEqual([denied?.type, denied?.error, denied?.pubsub], ['cancel', 'not-allowed', 'closed-node']);
  });
});

interface Entry {
  kind: 'message' | 'received' | 'sent';
  from: string;
  to: string;
  body: string;
  inner?: { from: string; to: string; type: string };
}
interface Page {
  query: string;
  messages: { id: string; stamp: string; from: string; to: string; body: string }[];
  first: string | null;
  last: string | null;
  complete: string | null;
}
interface Notification {
  from: string;
  id: string | null;
  infos: Record<string, string>[];
  delayed: boolean;
}
