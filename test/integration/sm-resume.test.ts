// Stream resumption (XEP-0198 §5) over real sockets: a connection cut mid-conversation loses and
// duplicates nothing, the session keeps its JID and presence, a live connection is taken over,
// and SM-IDs resume only the account they belong to.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { startTestServer, type TestServer } from '../support/server.js';
import { SmPeer, SmPeers, bodies, chat, condition, smElement, waitFor } from '../support/sm-peer.js';
import type { SessionEvent } from '../../src/core/stanza-events.js';
import { Jid } from '../../src/xmpp/jid.js';

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);

describe('stream management: resumption (XEP-0198 §5)', () => {
  let ts: TestServer;
  let ca: string;
  const peers = new SmPeers(() => ({ port: ts.c2sPort, ca }));
  const bound = (user: string, resource: string): Promise<SmPeer> => peers.bound(user, resource);
  const authenticated = (user: string): Promise<SmPeer> => peers.authenticated(user);

  /** A bound, available session with resumable stream management; returns it and its SM-ID. */
  async function resumable(user: string, resource: string): Promise<{ peer: SmPeer; previd: string }> {
    const peer = await bound(user, resource);
    const enabled = await peer.enable({ resume: 'true' });
    peer.send(xml('presence'));
    await peer.settle();
    return { peer, previd: enabled.attrs.id as string };
  }

  /** Records the sessions an event fires for, until `stop` is called. */
  function record(name: 'session/hibernated' | 'session/resumed'): { seen: string[]; stop: () => void } {
    const seen: string[] = [];
    const stop = ts.server.hosts.get('localhost')!.events.on(name, (ev: SessionEvent) => {
      seen.push(ev.session.jid.full);
    });
    return { seen, stop };
  }

  before(async () => {
    ts = await startTestServer();
    ca = await ts.ca();
    for (const u of ['alice', 'bob', 'carol']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
  });
  after(async () => {
    await peers.closeAll();
    await ts.stop();
  });

  it('loses and duplicates nothing when the connection drops mid-conversation: every message arrives once and in order (§4, §5)', async () => {
    const { peer: alice, previd } = await resumable('alice', 'phone');
    const bob = await bound('bob', 'desk');
    const received: string[] = [];
    const takeMessage = async (): Promise<void> => {
      received.push((await alice.take((e) => e.name === 'message')).getChildText('body')!);
    };
    // Ten messages read, the first five acknowledged.
    for (const b of range(1, 10)) bob.send(chat('alice@localhost', b));
    for (let i = 1; i <= 10; i++) {
      await takeMessage();
      if (i === 5) alice.ack();
    }
    // More on the way; the connection is cut abruptly while they arrive.
    for (const b of range(11, 40)) bob.send(chat('alice@localhost', b));
    while (received.length < 15) await takeMessage();
    alice.client.destroy();
    received.push(...bodies(await alice.leftovers()));
    // The conversation goes on while alice is away.
    for (const b of range(41, 80)) bob.send(chat('alice@localhost', b));
    assert.deepEqual((await bob.settle()).filter((e) => e.name === 'message'), [], 'nothing bounced');

    const again = await authenticated('alice');
    const resumed = await again.resume(previd, alice.h);
    assert.equal(resumed.name, 'resumed');
    assert.equal(resumed.attrs.previd, previd);
    assert.equal(resumed.attrs.h, '2', 'the server handled her presence and one ping');
    received.push(...bodies(await again.settle()));
    assert.deepEqual(received, range(1, 80));
    // And the conversation simply goes on, on the new stream.
    bob.send(chat('alice@localhost', 'm81'));
    await bob.settle();
    assert.deepEqual(bodies(await again.settle()), ['m81']);
  });

  it('keeps the full JID and the available presence across hibernation, resends what was not acknowledged and fires session/hibernated and session/resumed (§5)', async () => {
    const hibernated = record('session/hibernated');
    const resumedEv = record('session/resumed');
    try {
      const { peer, previd } = await resumable('carol', 'laptop');
      const session = ts.server.sessions.get(Jid.parse('carol@localhost/laptop'));
      peer.ack();
      peer.client.destroy();
      await peer.leftovers();
      await waitFor(() => hibernated.seen.length > 0, 'session/hibernated');
      assert.deepEqual(hibernated.seen, ['carol@localhost/laptop']);
      const bob = await bound('bob', 'pc');
      bob.send(chat('carol@localhost/laptop', 'while away'));
      await bob.settle();
      assert.equal(ts.server.sessions.get(Jid.parse('carol@localhost/laptop')), session, 'still registered');
      assert.equal(session?.available, true, 'still available');
      assert.equal(session?.hibernating, true);

      const again = await authenticated('carol');
      const resumed = await again.resume(previd, peer.h);
      assert.equal(resumed.name, 'resumed');
      const after = await again.settle();
      assert.deepEqual(bodies(after), ['while away']);
      assert.equal(after.find((e) => e.name === 'message')?.attrs.to, 'carol@localhost/laptop');
      assert.deepEqual(resumedEv.seen, ['carol@localhost/laptop']);
      assert.equal(ts.server.sessions.get(Jid.parse('carol@localhost/laptop')), session);
      assert.equal(session?.available, true);
      assert.equal(session?.hibernating, false);
    } finally {
      hibernated.stop();
      resumedEv.stop();
    }
  });

  it('keeps what client state indication held back across hibernation, and the resumed stream starts active (XEP-0352 §5)', async () => {
    const { peer, previd } = await resumable('carol', 'phone');
    const composing = (n: string): Element => xml('message', { to: 'carol@localhost/phone', type: 'chat', id: n },
      xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' }));
    peer.send(xml('inactive', { xmlns: 'urn:xmpp:csi:0' }));
    await peer.request(); // the nonza is handled before this answer
    const bob = await bound('bob', 'typing');
    bob.send(composing('held'));
    await bob.settle();
    peer.client.destroy();
    const before = await peer.leftovers();
    assert.equal(before.filter((e) => e.name === 'message').length, 0, 'held back while inactive');
    const hibernating = ts.server.sessions.get(Jid.parse('carol@localhost/phone'));
    await waitFor(() => hibernating?.hibernating === true, 'hibernation');

    const again = await authenticated('carol');
    assert.equal((await again.resume(previd, peer.h)).name, 'resumed');
    const held = await again.take((e) => e.name === 'message');
    assert.equal(held.attrs.id, 'held', 'delivered after the resumption');
    bob.send(composing('live'));
    // Nothing urgent follows, so only an active stream delivers this one.
    const live = await again.take((e) => e.name === 'message', 3000);
    assert.equal(live.attrs.id, 'live');
  });

  it('takes over a session whose old connection is still open: the old stream gets a conflict stream error (§5)', async () => {
    const { peer: old, previd } = await resumable('alice', 'tablet');
    const bob = await bound('bob', 'laptop');
    bob.send(chat('alice@localhost/tablet', 'unread'));
    await bob.settle();
    await old.take((e) => e.name === 'message');
    // The client believes the old connection dead and resumes without acknowledging 'unread'.
    const again = await authenticated('alice');
    const resumed = await again.resume(previd, old.h - 1);
    assert.equal(resumed.name, 'resumed');
    const err = await old.take((e) => e.name === 'stream:error');
    assert.equal(condition(err), 'conflict');
    await old.client.closed;
    assert.deepEqual(bodies(await again.settle()), ['unread']);
  });

  it('does not resume a session of another account: <failed/> item-not-found without h, and the session is untouched (§5)', async () => {
    const { peer: alice, previd } = await resumable('alice', 'other');
    const bob = await authenticated('bob');
    const failed = await bob.resume(previd, 0);
    assert.equal(failed.name, 'failed');
    assert.equal(condition(failed), 'item-not-found');
    assert.equal(failed.attrs.h, undefined);
    // §5: the client may bind instead, on the same stream.
    assert.equal(await bob.client.bind('instead'), 'bob@localhost/instead');
    await alice.settle();
  });

  it('answers an unknown SM-ID with <failed/> item-not-found, a missing h with bad-request, and <resume/> after binding with unexpected-request (§5, §6)', async () => {
    const p = await authenticated('bob');
    const unknown = await p.resume('no-such-session', 0);
    assert.deepEqual([unknown.name, condition(unknown), unknown.attrs.h], ['failed', 'item-not-found', undefined]);
    p.send(xml('resume', { xmlns: 'urn:xmpp:sm:3', previd: 'x' }));
    const noH = await p.take(smElement('failed'));
    assert.equal(condition(noH), 'bad-request');
    await p.client.bind('after');
    const late = await p.resume('no-such-session', 0);
    assert.deepEqual([late.name, condition(late)], ['failed', 'unexpected-request']);
  });
});
