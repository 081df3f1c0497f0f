// Message archives over real sockets with SQLite storage (XEP-0313): both sides of a
// conversation archived, the archive's stanza-id on the delivered message (XEP-0359), what is
// not archived (XEP-0334 hints, chat states, errors, bounces), preferences (XEP-0441), query
// errors, metadata, offline storage keeping the archive's id and account removal.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { MAM, chat, drain, mamQuery, type MamRequest } from '../support/mam.js';

const SID = 'urn:xmpp:sid:0';

const hint = (name: string): Element => xml(name, { xmlns: 'urn:xmpp:hints' });
const stanzaIds = (m: Element): Element[] => m.getChildren('stanza-id', SID);

describe('message archive (XEP-0313)', () => {
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

  /** Sends from `from` and returns the message `to` receives. */
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

  it('advertises urn:xmpp:mam:2, #extended and urn:xmpp:sid:0 on the account (XEP-0313 §7, XEP-0359 §5)', async () => {
    const a = await online('disco');
    const res = await a.iq(xml('iq', { type: 'get', to: 'disco@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = res.getChild('query')!.getChildren('feature').map((f) => f.attrs.var as string);
    for (const f of [MAM, `${MAM}#extended`, SID]) assert.ok(features.includes(f), f);
  });

  it("advertises the archive on the server's JID too, where a query reads the sender's own archive", async () => {
    const a = await online('domq');
    const b = await online('domr');
    const sent = await exchange(a, b, chat('domr@localhost', 'to the domain reader'));
    await exchange(b, a, chat('domq@localhost', 'back to the asker'));
    const info = await a.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var as string);
    for (const f of [MAM, `${MAM}#extended`]) assert.ok(features.includes(f), f);

    const viaDomain = await all(a, { to: 'localhost', fields: { with: 'domr@localhost' } });
    assert.equal(viaDomain.iq.attrs.type, 'result');
    assert.equal(viaDomain.iq.attrs.from, 'localhost');
    assert.deepEqual(viaDomain.messages.map((m) => m.getChildText('body')), ['to the domain reader', 'back to the asker']);
    assert.deepEqual(viaDomain.results.map((r) => r.attrs.from), ['localhost', 'localhost']);
    // The same archive as a query without 'to': the other party's copy is not what it reads.
    assert.deepEqual(viaDomain.ids, (await all(a, { fields: { with: 'domr@localhost' } })).ids);
    assert.notDeepEqual(viaDomain.ids, (await all(b, { fields: { with: 'domq@localhost' } })).ids);
    assert.equal(stanzaIds(sent).length, 1);

    const prefs = await a.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('prefs', { xmlns: MAM })));
    assert.equal(prefs.getChild('prefs', MAM)?.attrs.default, 'always');
    const meta = await a.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('metadata', { xmlns: MAM })));
    assert.equal(meta.getChild('metadata', MAM)!.getChild('end')!.attrs.id, viaDomain.ids[1]);
  });

  it("archives both sides; the recipient's copy carries a stanza-id equal to its archive id (§3.5, §4.2)", async () => {
    const alice = await online('alice');
    const bob = await online('bob');
    const before = Date.now();
    const got = await exchange(alice, bob, chat('bob@localhost', 'hello bob'));
    const ids = stanzaIds(got);
    assert.equal(ids.length, 1, 'exactly one stanza-id');
    assert.equal(ids[0]!.attrs.by, 'bob@localhost');

    const inBob = await all(bob, { queryid: 'q1' });
    assert.equal(inBob.iq.attrs.type, 'result');
    assert.deepEqual(inBob.ids, [ids[0]!.attrs.id]);
    const result = inBob.results[0]!;
    assert.equal(result.attrs.to, 'bob@localhost/r');
    assert.equal(result.getChild('result', MAM)!.attrs.queryid, 'q1');
    const fwd = inBob.messages[0]!;
    assert.equal(fwd.attrs.xmlns, 'jabber:client');
    assert.equal(fwd.attrs.from, 'alice@localhost/r');
    assert.equal(fwd.getChildText('body'), 'hello bob');
    const stamp = Date.parse(result.getChild('result', MAM)!.getChild('forwarded')!.getChild('delay', 'urn:xmpp:delay')!.attrs.stamp as string);
    assert.ok(stamp >= before - 1000 && stamp <= Date.now() + 1000);
    assert.equal(inBob.complete, true);
    assert.equal(inBob.first, ids[0]!.attrs.id);
    assert.equal(inBob.last, ids[0]!.attrs.id);

    const inAlice = await all(alice, { fields: { with: 'bob@localhost' } });
    assert.equal(inAlice.messages.length, 1, "the sender's copy");
    assert.equal(inAlice.messages[0]!.attrs.to, 'bob@localhost');
    assert.notEqual(inAlice.ids[0], ids[0]!.attrs.id, 'each archive has its own id');
    assert.deepEqual(stanzaIds(inAlice.messages[0]!), [], "the sender's id is not in what bob got");

    // A reply archives into both too, and 'with' matches either direction (§4.1.1).
    await exchange(bob, alice, chat('alice@localhost/r', 'hi alice'));
    const both = await all(alice, { fields: { with: 'bob@localhost' } });
    assert.deepEqual(both.messages.map((m) => m.getChildText('body')), ['hello bob', 'hi alice']);
    const byResource = await all(alice, { fields: { with: 'bob@localhost/r' } });
    assert.deepEqual(byResource.messages.map((m) => m.getChildText('body')), ['hi alice'], 'a full JID matches only that resource');
  });

  it("removes stanza-ids forged with the recipient's or the sender's account as by, keeps other ones (XEP-0359 §3)", async () => {
    const alice = await online('forger');
    const bob = await online('victim');
    const got = await exchange(alice, bob, chat('victim@localhost', 'x',
      xml('stanza-id', { xmlns: SID, id: 'forged', by: 'victim@localhost' }),
      xml('stanza-id', { xmlns: SID, id: 'room', by: 'room@conference.example' })));
    const ids = stanzaIds(got).map((s) => [s.attrs.id, s.attrs.by]);
    assert.equal(ids.length, 2);
    assert.deepEqual(ids[0], ['room', 'room@conference.example']);
    assert.notEqual(ids[1]![0], 'forged');
    assert.equal(ids[1]![1], 'victim@localhost');
    const archived = await all(bob);
    assert.deepEqual(stanzaIds(archived.messages[0]!).map((s) => s.attrs.id), ['room'], 'the forged id is not archived either');
    // The sender's account assigns ids too: one claiming to be by the sender is removed as well.
    const fromSender = await exchange(alice, bob, chat('victim@localhost', 'y', xml('stanza-id', { xmlns: SID, id: 'mine', by: 'forger@localhost' })));
    assert.deepEqual(stanzaIds(fromSender).map((s) => s.attrs.by), ['victim@localhost']);
  });

  it('does not archive chat states, no-store or no-permanent-store messages, headlines or errors; archives the store hint (§6.1.1, XEP-0334)', async () => {
    const alice = await online('sender');
    const bob = await online('hinted');
    const states = xml('active', { xmlns: 'http://jabber.org/protocol/chatstates' });
    for (const m of [
      chat('hinted@localhost', undefined, states),
      chat('hinted@localhost', 'secret', hint('no-store')),
      chat('hinted@localhost', 'off the record', hint('no-permanent-store')),
      xml('message', { to: 'hinted@localhost', type: 'headline', id: 'h1' }, xml('body', {}, 'news')),
      xml('message', { to: 'hinted@localhost', type: 'error', id: 'e1' }, xml('body', {}, 'oops')),
    ]) {
      alice.send(m);
    }
    await drain(alice);
    const received = (await drain(bob)).filter((e) => e.name === 'message');
    assert.equal(received.length, 4, 'delivered (the error to a bare JID is dropped)');
    for (const m of received) assert.deepEqual(stanzaIds(m), [], 'no archive id on what is not archived');
    assert.equal((await all(bob)).messages.length, 0);
    assert.equal((await all(alice)).messages.length, 0);

    const marker = xml('displayed', { xmlns: 'urn:xmpp:chat-markers:0', id: 'x' });
    const got = await exchange(alice, bob, chat('hinted@localhost', undefined, marker, hint('store')));
    assert.equal(stanzaIds(got).length, 1);
    assert.equal((await all(bob)).messages.length, 1);
  });

  it('archives a message to oneself once; the other resource gets that id (§6.1.1)', async () => {
    const a1 = await online('selfie', 'one');
    const a2 = await login('selfie', 'two');
    const got = await exchange(a1, a2, chat('selfie@localhost/two', 'note to self'));
    const archived = await all(a1, { fields: { with: 'selfie@localhost' } });
    assert.equal(archived.messages.length, 1);
    assert.deepEqual(stanzaIds(got).map((s) => s.attrs.id), archived.ids);
  });

  it('offline storage keeps the archive id: the message has one stanza-id wherever it is met (XEP-0160, XEP-0359)', async () => {
    const alice = await online('early');
    await ts.addUser('late@localhost', 'pw-late');
    alice.send(chat('late@localhost', 'while you were out'));
    await drain(alice);
    const late = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(late);
    await late.login('late', 'pw-late', 'r');
    late.send(xml('presence'));
    const m = (await drain(late)).find((e) => e.name === 'message')!;
    assert.equal(m.getChildText('body'), 'while you were out');
    const ids = stanzaIds(m);
    assert.equal(ids.length, 1);
    assert.deepEqual((await all(late)).ids, [ids[0]!.attrs.id]);
  });

  it('does not archive a message the server bounces, nor send its id back in the error (§6.1, §3.5)', async () => {
    const alice = await online('bouncer');
    await ts.addUser('away@localhost', 'pw-away');
    const normal = xml('message', { to: 'away@localhost/gone', id: 'n1' }, xml('body', {}, 'to nobody'));
    alice.send(normal);
    const bounce = (await drain(alice)).find((e) => e.name === 'message' && e.attrs.id === 'n1')!;
    assert.equal(bounce.attrs.type, 'error', 'RFC 6121 §8.5.3.2.1: a normal message to an absent resource bounces');
    assert.deepEqual(stanzaIds(bounce), []);
    await ts.server.hosts.get('localhost')!.flushWrites();
    assert.equal(await ts.server.storage.archive.count('localhost', 'away', {}), 0);
    // A chat message to the absent resource is stored offline: that one is archived.
    alice.send(chat('away@localhost/gone', 'kept'));
    assert.deepEqual((await drain(alice)).filter((e) => e.attrs.type === 'error'), []);
    await ts.server.hosts.get('localhost')!.flushWrites();
    assert.equal(await ts.server.storage.archive.count('localhost', 'away', {}), 1);
  });

  it('preferences: default always with empty lists; set is answered with what applies; never, always and roster decide (XEP-0441 §2.1)', async () => {
    const owner = await online('picky');
    const friend = await online('friend');
    const stranger = await online('stranger');
    const blocked = await online('nosy');
    const prefsIq = (type: 'get' | 'set', body?: Element): Element => xml('iq', { type }, body ?? xml('prefs', { xmlns: MAM }));
    const current = await owner.iq(prefsIq('get'));
    assert.equal(current.getChild('prefs', MAM)?.attrs.default, 'always');
    assert.ok(current.getChild('prefs', MAM)?.getChild('always') && current.getChild('prefs', MAM)?.getChild('never'), 'both lists present, even empty');

    const set = await owner.iq(prefsIq('set', xml('prefs', { xmlns: MAM, default: 'roster' },
      xml('always', {}, xml('jid', {}, 'stranger@localhost')),
      xml('never', {}, xml('jid', {}, 'nosy@localhost'), xml('jid', {}, 'friend@localhost/secret')))));
    assert.equal(set.attrs.type, 'result');
    const applied = set.getChild('prefs', MAM)!;
    assert.equal(applied.attrs.default, 'roster');
    assert.deepEqual(applied.getChild('never')!.getChildren('jid').map((j) => j.getText()), ['friend@localhost/secret', 'nosy@localhost']);
    assert.deepEqual((await owner.iq(prefsIq('get'))).getChild('prefs', MAM)!.toString(), applied.toString());

    // friend is not on the roster yet: not archived under 'roster'.
    await exchange(friend, owner, chat('picky@localhost', 'before roster'));
    const roster = await owner.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: 'friend@localhost' }))));
    assert.equal(roster.attrs.type, 'result');
    const kept = await exchange(friend, owner, chat('picky@localhost', 'on roster'));
    assert.equal(stanzaIds(kept).length, 1);
    const fromStranger = await exchange(stranger, owner, chat('picky@localhost', 'always'));
    assert.equal(stanzaIds(fromStranger).length, 1);
    const fromNosy = await exchange(blocked, owner, chat('picky@localhost', 'never'));
    assert.deepEqual(stanzaIds(fromNosy), []);
    assert.deepEqual((await all(owner)).messages.map((m) => m.getChildText('body')), ['on roster', 'always']);

    const bad = await owner.iq(prefsIq('set', xml('prefs', { xmlns: MAM, default: 'sometimes' })));
    assert.equal(errorCondition(bad), 'bad-request');
    const theirs = await stranger.iq(xml('iq', { type: 'get', to: 'picky@localhost' }, xml('prefs', { xmlns: MAM })));
    assert.equal(errorCondition(theirs), 'forbidden');
  });

  it('answers a form request with the supported fields, ids open (§4.1.5)', async () => {
    const c = await online('formy');
    const res = await c.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: MAM })));
    const x = res.getChild('query', MAM)!.getChild('x', 'jabber:x:data')!;
    assert.equal(x.attrs.type, 'form');
    const fields = x.getChildren('field');
    assert.deepEqual(fields.map((f) => [f.attrs.var, f.attrs.type]), [
      ['FORM_TYPE', 'hidden'], ['with', 'jid-single'], ['start', 'text-single'], ['end', 'text-single'],
      ['before-id', 'text-single'], ['after-id', 'text-single'], ['ids', 'list-multi'],
    ]);
    assert.ok(fields[6]!.getChild('validate', 'http://jabber.org/protocol/xdata-validate')?.getChild('open'));
    assert.ok(fields.every((f) => !f.getChild('required')), 'no field is required (§4.1)');
  });

  it('answers bad queries with the errors of §4 and XEP-0059', async () => {
    const c = await online('asker');
    const other = await online('owner2');
    await exchange(c, other, chat('owner2@localhost', 'one'));
    const cases: [MamRequest, string][] = [
      [{ fields: { 'x-unknown': 'v' } }, 'feature-not-implemented'],
      [{ fields: { start: 'yesterday' } }, 'bad-request'],
      [{ fields: { end: '2024-02-30T00:00:00Z' } }, 'bad-request'],
      [{ fields: { with: 'not a@jid@' } }, 'bad-request'],
      [{ fields: { start: ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'] } }, 'bad-request'],
      [{ formType: 'urn:example:other', fields: {} }, 'bad-request'],
      [{ fields: { 'after-id': 'unknown-id' } }, 'item-not-found'],
      [{ fields: { 'before-id': 'unknown-id' } }, 'item-not-found'],
      [{ fields: { ids: ['unknown-id'] } }, 'item-not-found'],
      [{ after: 'unknown-id' }, 'item-not-found'],
      [{ before: 'unknown-id' }, 'item-not-found'],
      [{ index: 3, max: 10 }, 'feature-not-implemented'],
      [{ to: 'owner2@localhost' }, 'forbidden'],
    ];
    for (const [req, condition] of cases) {
      const res = await mamQuery(c, req);
      assert.equal(res.iq.attrs.type, 'error', JSON.stringify(req));
      assert.equal(errorCondition(res.iq), condition, JSON.stringify(req));
      assert.equal(res.results.length, 0);
    }
    const badMax = await c.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: MAM }, xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, 'ten')))));
    assert.equal(errorCondition(badMax), 'bad-request');
  });

  it('gives metadata: the first and last message, nothing for an empty archive (§5)', async () => {
    const a = await online('meta');
    const b = await online('metb');
    const md = async (): Promise<Element> => (await a.iq(xml('iq', { type: 'get' }, xml('metadata', { xmlns: MAM })))).getChild('metadata', MAM)!;
    assert.deepEqual((await md()).children, []);
    for (const body of ['1', '2', '3']) await exchange(b, a, chat('meta@localhost', body));
    const { ids } = await all(a);
    const m = await md();
    assert.equal(m.getChild('start')!.attrs.id, ids[0]);
    assert.equal(m.getChild('end')!.attrs.id, ids[2]);
    assert.match(m.getChild('end')!.attrs.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('removes the archive with the account (in-band removal, XEP-0077 §3.2)', async () => {
    const a = await online('leaver');
    const b = await online('stayer');
    await exchange(b, a, chat('leaver@localhost', 'bye'));
    assert.equal((await all(a)).messages.length, 1);
    const res = await a.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:register' }, xml('remove'))));
    assert.equal(res.attrs.type, 'result');
    await ts.server.hosts.get('localhost')!.flushWrites();
    assert.equal(await ts.server.storage.archive.count('localhost', 'leaver', {}), 0);
    assert.equal((await all(b)).messages.length, 1, "the contact's own archive keeps the message");
  });
});
