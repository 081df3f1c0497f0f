// Message archives over real sockets with SQLite storage (XEP-0313): both sides of a
// conversation archived, the archive's stanza-id on the delivered message (XEP-0359), what is
// not archived (XEP-0334 hints, chat states, errors, bounces), offline storage keeping the
// archive's id and account removal. Preferences, the query form, query errors and metadata are
// in mam-requests.test.ts.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import type { TestServer } from '../support/server.js';
import { MAM, SID, chat, drain, stanzaIds } from '../support/mam.js';
import { mamSuite } from '../support/mam-suite.js';

const hint = (name: string): Element => xml(name, { xmlns: 'urn:xmpp:hints' });

describe('message archive (XEP-0313)', () => {
  const suite = mamSuite();
  const { clients, login, online, exchange, all } = suite;
  let ts: TestServer;
  let ca: string;
  before(() => {
    ({ ts, ca } = suite);
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

  it('an account created behind the server (as by the CLI) after a message to its name bounced is archived from its first message', async () => {
    const sender = await online('herald');
    sender.send(chat('newcomer@localhost', 'before it existed'));
    // No such account yet: the message bounces (RFC 6121 §8.5.1), and archiving has looked.
    await sender.expect((e) => e.name === 'message' && e.attrs.type === 'error' && e.attrs.from === 'newcomer@localhost');
    await ts.addUser('newcomer@localhost', 'pw-newcomer');
    const newcomer = await login('newcomer', 'r');
    const got = await exchange(sender, newcomer, chat('newcomer@localhost', 'welcome'));
    assert.equal(stanzaIds(got).length, 1, `the archive's id on the delivered message: ${got.toString()}`);
    assert.deepEqual((await all(newcomer)).messages.map((m) => m.getChildText('body')), ['welcome']);
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
