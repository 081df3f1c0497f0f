// XEP-0191 (Blocking Command) over real sockets: the commands and their pushes (§3.2-§3.5),
// what is blocked in each direction and with which error (§3.3), JID matching (§6), presence on
// block and unblock (§3.3, §3.4) and the own-resources rule (§5). The blocklist across a restart
// is in blocking-restart.test.ts.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import {
  answerOnly, B, blockIq, blocklist, chat, command, isPush, items, login, nothingBefore, OTHER, ping, pushedJids, settled,
  unblockIq,
} from '../support/blocking.js';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { receivedBeforePing } from '../support/sync.js';

describe('blocking command (XEP-0191)', () => {
  let ts: TestServer;
  let a1: RawClient; // alice@localhost/one, requested the blocklist
  let a2: RawClient; // alice@localhost/two, requested the blocklist
  let a3: RawClient; // alice@localhost/three, never asked
  let bob: RawClient;
  let carolPhone: RawClient;
  let carolLaptop: RawClient;
  let eve: RawClient; // eve@blocked.test
  const all: RawClient[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.hosts[OTHER] = { tls: {} };
      c.modules.blocking = { max_items: 5 };
    });
    for (const u of ['alice', 'bob', 'carol', 'dave', 'frank', 'gina', 'hugo', 'mallory', 'trent']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    await ts.addUser(`eve@${OTHER}`, 'pw-eve');
    a1 = await login(ts, 'alice', 'one');
    a2 = await login(ts, 'alice', 'two');
    a3 = await login(ts, 'alice', 'three');
    bob = await login(ts, 'bob', 'laptop');
    carolPhone = await login(ts, 'carol', 'phone');
    carolLaptop = await login(ts, 'carol', 'laptop');
    eve = await login(ts, 'eve', 'x', OTHER);
    all.push(a1, a2, a3, bob, carolPhone, carolLaptop, eve);
    assert.deepEqual(await blocklist(a1), []);
    assert.deepEqual(await blocklist(a2), []);
  });
  after(async () => {
    for (const c of all) c.destroy();
    await ts?.stop();
  });

  /** A command from a1; returns its answer, a1's push and a2's push (both requested the list). */
  const cmd = async (iq: Element, push: 'block' | 'unblock'): Promise<[Element, Element, Element]> => {
    const [res, own] = await command(a1, iq, push);
    return [res, own, await a2.expect(isPush(push))];
  };

  it('announces urn:xmpp:blocking on the server and on the account (§3.1)', async () => {
    for (const to of ['localhost', 'alice@localhost']) {
      const res = await a1.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      const features = res.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
      assert.ok(features.includes(B), `missing on ${to}`);
    }
  });

  it('answers an empty blocklist with an empty <blocklist/> (§3.2)', async () => {
    const res = await a1.iq(xml('iq', { type: 'get' }, xml('blocklist', { xmlns: B })));
    assert.equal(res.getChild('blocklist', B)!.children.length, 0);
  });

  it('refuses a block without items (bad-request) and an invalid JID (jid-malformed) (§3.3)', async () => {
    assert.equal(errorCondition(await answerOnly(a1, blockIq())), 'bad-request');
    assert.equal(errorCondition(await answerOnly(a1, blockIq('a@b@c'))), 'jid-malformed');
    assert.equal(errorCondition(await answerOnly(a1, unblockIq('a@b@c'))), 'jid-malformed');
    assert.deepEqual(await blocklist(a1), []);
  });

  it('refuses blocklist commands for another account (service-unavailable)', async () => {
    const res = await bob.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('blocklist', { xmlns: B })));
    assert.equal(errorCondition(res), 'service-unavailable');
    const set = await bob.iq(xml('iq', { type: 'set', to: 'alice@localhost' }, xml('block', { xmlns: B }, ...items(['x@y']))));
    assert.equal(errorCondition(set), 'service-unavailable');
  });

  it('blocks a JID: result, pushes to the resources that requested the list only, and the list (§3.3)', async () => {
    const [res, own, other] = await cmd(blockIq('Bob@LOCALHOST'), 'block');
    assert.equal(res.attrs.type, 'result');
    assert.deepEqual(pushedJids(own), ['bob@localhost']);
    assert.equal(own.attrs.to, 'alice@localhost/one');
    assert.deepEqual(pushedJids(other), ['bob@localhost']);
    assert.equal(other.attrs.to, 'alice@localhost/two');
    await nothingBefore(a3, 'alice@localhost/three', carolPhone, isPush('block'));
    assert.deepEqual(await blocklist(a1), ['bob@localhost']);
  });

  it('answers a blocked contact\'s message with service-unavailable and does not deliver it (§3.3)', async () => {
    bob.send(chat('alice@localhost', 'in1'));
    const err = await bob.expect((e) => e.attrs.id === 'in1');
    assert.equal(err.attrs.type, 'error');
    assert.equal(err.attrs.from, 'alice@localhost');
    assert.equal(errorCondition(err), 'service-unavailable');
    bob.send(chat('alice@localhost/one', 'in2'));
    assert.equal(errorCondition(await bob.expect((e) => e.attrs.id === 'in2')), 'service-unavailable');
    await nothingBefore(a1, 'alice@localhost/one', carolPhone, (e) => e.name === 'message' && (e.attrs.from as string).startsWith('bob@'));
  });

  it('answers a blocked contact\'s IQ get with service-unavailable and drops its presence silently (§3.3)', async () => {
    const res = await bob.iq(ping('alice@localhost/one'));
    assert.equal(errorCondition(res), 'service-unavailable');
    bob.send(xml('presence', { to: 'alice@localhost/one', id: 'pres1' }));
    bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribe', id: 'pres2' }));
    bob.send(xml('iq', { to: 'alice@localhost/one', type: 'result', id: 'stray' }));
    await settled(bob);
    await nothingBefore(a1, 'alice@localhost/one', carolPhone, (e) => (e.attrs.from as string | undefined)?.startsWith('bob@') ?? false);
    // No error came back for the presence or the IQ result.
    const next = await (async () => {
      bob.send(ping('localhost'));
      return bob.next();
    })();
    assert.equal(next?.attrs.type, 'result');
  });

  it('refuses the user\'s own stanzas to a blocked JID with not-acceptable and <blocked/> (§3.3)', async () => {
    a1.send(chat('bob@localhost', 'out1', 'Can you hear me now?'));
    const err = await a1.expect((e) => e.attrs.id === 'out1');
    assert.equal(err.attrs.type, 'error');
    assert.equal(err.attrs.from, 'bob@localhost');
    assert.equal(errorCondition(err), 'not-acceptable');
    assert.equal(err.getChild('error')!.attrs.type, 'cancel');
    assert.ok(err.getChild('error')!.getChild('blocked', 'urn:xmpp:blocking:errors'));
    const iq = await a1.iq(ping('bob@localhost/laptop'));
    assert.equal(errorCondition(iq), 'not-acceptable');
    a2.send(xml('presence', { to: 'bob@localhost', id: 'out2' }));
    assert.equal(errorCondition(await a2.expect((e) => e.attrs.id === 'out2')), 'not-acceptable');
    await nothingBefore(bob, 'bob@localhost/laptop', carolPhone, (e) => (e.attrs.from as string | undefined)?.startsWith('alice@') ?? false);
  });

  it('never blocks the user\'s own resources, even when the user blocks their own JID (§5)', async () => {
    await cmd(blockIq('alice@localhost'), 'block');
    a1.send(chat('alice@localhost/two', 'self1'));
    const m = await a2.expect((e) => e.attrs.id === 'self1');
    assert.equal(m.attrs.type, 'chat');
    await cmd(unblockIq('alice@localhost'), 'unblock');
  });

  it('unblocks a JID: result, pushes, and the contact\'s messages are delivered again (§3.4)', async () => {
    const [res, own, other] = await cmd(unblockIq('bob@localhost', 'never@blocked.example'), 'unblock');
    assert.equal(res.attrs.type, 'result');
    assert.deepEqual(pushedJids(own), ['bob@localhost']);
    assert.deepEqual(pushedJids(other), ['bob@localhost']);
    await nothingBefore(a3, 'alice@localhost/three', carolPhone, isPush('unblock'));
    bob.send(chat('alice@localhost/one', 'again'));
    assert.equal((await a1.expect((e) => e.attrs.id === 'again')).getChildText('body'), 'hi');
    assert.deepEqual(await blocklist(a1), []);
  });

  it('a full JID item blocks only that resource (§6)', async () => {
    await cmd(blockIq('carol@localhost/phone'), 'block');
    carolPhone.send(chat('alice@localhost/one', 'fromPhone'));
    assert.equal(errorCondition(await carolPhone.expect((e) => e.attrs.id === 'fromPhone')), 'service-unavailable');
    carolLaptop.send(chat('alice@localhost/one', 'fromLaptop'));
    assert.equal((await a1.expect((e) => e.attrs.id === 'fromLaptop')).attrs.from, 'carol@localhost/laptop');
    // Outbound: to the blocked resource refused, to the other resource and the bare JID allowed.
    a1.send(chat('carol@localhost/phone', 'toPhone'));
    assert.equal(errorCondition(await a1.expect((e) => e.attrs.id === 'toPhone')), 'not-acceptable');
    a1.send(chat('carol@localhost/laptop', 'toLaptop'));
    assert.equal((await carolLaptop.expect((e) => e.attrs.id === 'toLaptop')).attrs.from, 'alice@localhost/one');
    await cmd(unblockIq('carol@localhost/phone'), 'unblock');
  });

  it('a domain item blocks everyone at that domain, on another local host too (§6)', async () => {
    await cmd(blockIq(OTHER), 'block');
    eve.send(chat('alice@localhost', 'fromEve'));
    const err = await eve.expect((e) => e.attrs.id === 'fromEve');
    assert.equal(errorCondition(err), 'service-unavailable');
    a1.send(chat(`eve@${OTHER}/x`, 'toEve'));
    assert.equal(errorCondition(await a1.expect((e) => e.attrs.id === 'toEve')), 'not-acceptable');
    // Also domains the server cannot reach: refused before routing.
    await cmd(blockIq('example.net'), 'block');
    a1.send(chat('someone@example.net', 'remote'));
    const remote = await a1.expect((e) => e.attrs.id === 'remote');
    assert.equal(errorCondition(remote), 'not-acceptable');
  });

  it('unblocks all with an empty <unblock/> and pushes an empty <unblock/> (§3.5)', async () => {
    const [res, own, other] = await cmd(unblockIq(), 'unblock');
    assert.equal(res.attrs.type, 'result');
    assert.equal(own.getChild('unblock', B)!.children.length, 0);
    assert.equal(other.getChild('unblock', B)!.children.length, 0);
    assert.deepEqual(await blocklist(a1), []);
    eve.send(chat('alice@localhost/one', 'eveAgain'));
    assert.equal((await a1.expect((e) => e.attrs.id === 'eveAgain')).attrs.from, `eve@${OTHER}/x`);
  });

  it('refuses a block past max_items with not-acceptable and stores nothing of it', async () => {
    await cmd(blockIq('m1@x.example', 'm2@x.example', 'm3@x.example'), 'block');
    const res = await answerOnly(a1, blockIq('m4@x.example', 'm5@x.example', 'm6@x.example'));
    assert.equal(errorCondition(res), 'not-acceptable');
    assert.deepEqual(await blocklist(a1), ['m1@x.example', 'm2@x.example', 'm3@x.example']);
    // Items already blocked do not count twice.
    await cmd(blockIq('m1@x.example', 'm4@x.example', 'm5@x.example'), 'block');
    await cmd(unblockIq(), 'unblock');
  });

  it('blocks stanzas to a user without sessions, whose list is read on demand (§3.3)', async () => {
    const frank = await login(ts, 'frank', 'pc');
    await frank.iq(blockIq('bob@localhost'));
    await frank.close();
    // Without the block, the offline module would store the message without answering.
    bob.send(chat('frank@localhost', 'toFrank'));
    assert.equal(errorCondition(await bob.expect((e) => e.attrs.id === 'toFrank')), 'service-unavailable');
  });

  it('sends unavailable presence to a blocked contact allowed to see presence, nothing more while blocked, and current presence on unblock (§3.3, §3.4)', async () => {
    const both = { subscription: 'both' as const, ask: false, approved: false, groups: [] };
    await ts.server.storage.roster.setItem('localhost', 'alice', { jid: 'dave@localhost', ...both });
    await ts.server.storage.roster.setItem('localhost', 'dave', { jid: 'alice@localhost', ...both });
    const dave = await login(ts, 'dave', 'pc');
    all.push(dave);
    dave.send(xml('presence'));
    await settled(dave);
    a1.send(xml('presence', {}, xml('show', {}, 'chat')));
    await dave.expect((e) => e.name === 'presence' && e.attrs.from === 'alice@localhost/one' && e.attrs.type === undefined);

    await cmd(blockIq('dave@localhost'), 'block');
    const gone = await dave.expect((e) => e.name === 'presence' && e.attrs.from === 'alice@localhost/one');
    assert.equal(gone.attrs.type, 'unavailable');

    // While blocked, the user's broadcasts do not reach the contact, nor the contact's the user.
    // A broadcast goes to contacts before the sender's own resources: once the sender has its
    // own presence back, whatever was sent to the contact has been routed.
    const ownEcho = (c: RawClient, from: string, show: string) => c.expect((e) => e.name === 'presence' && e.attrs.from === from && e.getChildText('show') === show);
    a1.send(xml('presence', {}, xml('show', {}, 'away')));
    await ownEcho(a1, 'alice@localhost/one', 'away');
    await nothingBefore(dave, 'dave@localhost/pc', carolPhone, (e) => e.name === 'presence' && (e.attrs.from as string).startsWith('alice@'));
    dave.send(xml('presence', {}, xml('show', {}, 'dnd')));
    await ownEcho(dave, 'dave@localhost/pc', 'dnd');
    await nothingBefore(a1, 'alice@localhost/one', carolPhone, (e) => e.name === 'presence' && (e.attrs.from as string).startsWith('dave@'));

    await cmd(unblockIq('dave@localhost'), 'unblock');
    const back = await dave.expect((e) => e.name === 'presence' && e.attrs.from === 'alice@localhost/one');
    assert.equal(back.attrs.type, undefined);
    assert.equal(back.getChildText('show'), 'away');
  });

  it('a subscription request kept for the user, from a JID blocked since, is not delivered again at login (§3.3)', async () => {
    const [mallory, first] = [await login(ts, 'mallory', 'x'), await login(ts, 'gina', 'first')];
    all.push(mallory, first);
    first.send(xml('presence'));
    mallory.send(xml('presence', { to: 'gina@localhost', type: 'subscribe' }));
    await first.expect((e) => e.name === 'presence' && e.attrs.type === 'subscribe' && e.attrs.from === 'mallory@localhost');
    assert.equal((await first.iq(blockIq('mallory@localhost'))).attrs.type, 'result');
    const next = await login(ts, 'gina', 'next');
    all.push(next);
    next.send(xml('presence'));
    const got = await receivedBeforePing(next);
    assert.deepEqual(got.filter((e) => e.attrs.from === 'mallory@localhost').map(String), []);
  });

  it('a message stored offline before its sender was blocked is not delivered, nor kept (§3.3)', async () => {
    const trent = await login(ts, 'trent', 'x');
    all.push(trent);
    trent.send(chat('hugo@localhost', 'stored', 'before the block'));
    await settled(trent);
    // A client that blocks before it sends presence, which is when stored messages come.
    const hugo = await login(ts, 'hugo', 'cli');
    all.push(hugo);
    assert.equal((await hugo.iq(blockIq('trent@localhost'))).attrs.type, 'result');
    hugo.send(xml('presence'));
    const got = await receivedBeforePing(hugo);
    assert.deepEqual(got.filter((e) => e.name === 'message').map(String), []);
    assert.equal(await ts.server.storage.offline.count('localhost', 'hugo'), 0);
  });
});
