// The pure rules of the presence module (RFC 6121 §4): broadcast and probe lists, probe answers,
// unavailable presence and directed-presence bookkeeping.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { RosterItem, Subscription } from '../../../src/storage/types.js';
import { addressed, directedOnly, presenceKind, presenceLists, probeAnswer, unavailablePresence } from '../../../src/modules/presence/rules.js';
import { DirectedPresence } from '../../../src/modules/presence/directed.js';

const item = (jid: string, subscription: Subscription, ask = false): RosterItem => ({ jid, subscription, ask, approved: false, groups: [] });

describe('presence rules (RFC 6121 §4)', () => {
  it('broadcasts to from/both contacts and probes to/both contacts, never the user itself (§4.2.2, §4.3.1)', () => {
    const lists = presenceLists([
      item('none@x', 'none', true), item('to@x', 'to'), item('from@x', 'from', true), item('both@x', 'both'), item('me@x', 'both'),
    ], 'me@x');
    assert.deepEqual(lists.subscribers, ['from@x', 'both@x']);
    assert.deepEqual(lists.subscriptions, ['to@x', 'both@x']);
  });

  it('classifies presence by type; subscription types are left to the roster module (§4.7.1)', () => {
    assert.equal(presenceKind(xml('presence')), 'available');
    for (const t of ['unavailable', 'probe', 'error'] as const) assert.equal(presenceKind(xml('presence', { type: t })), t);
    for (const t of ['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']) assert.equal(presenceKind(xml('presence', { type: t })), 'subscription');
  });

  it('answers a probe from a non-subscriber or for a missing account with unsubscribed (§4.3.2 step 1)', () => {
    assert.equal(probeAnswer(false, undefined, 2), 'unsubscribed');
    for (const s of ['none', 'to'] as const) assert.equal(probeAnswer(false, { subscription: s }, 1), 'unsubscribed');
  });

  it('answers a subscriber with unavailable when no resource is available, else each presence (§4.3.2 steps 3-4)', () => {
    for (const s of ['from', 'both'] as const) {
      assert.equal(probeAnswer(false, { subscription: s }, 0), 'unavailable');
      assert.equal(probeAnswer(false, { subscription: s }, 2), 'presence');
    }
  });

  it('answers a user probing their own account without a roster entry', () => {
    assert.equal(probeAnswer(true, undefined, 1), 'presence');
  });

  it('readdresses a presence without touching the original (stanzas are read-only)', () => {
    const original = xml('presence', { from: 'a@x/r', id: 'p1' }, xml('show', {}, 'away'));
    const copy = addressed(original, 'a@x/r', 'b@x');
    assert.equal(copy.attrs.to, 'b@x');
    assert.equal(copy.attrs.id, 'p1');
    assert.equal(copy.getChildText('show'), 'away');
    assert.equal(original.attrs.to, undefined);
  });

  it('keeps the client\'s unavailable status, or builds a plain unavailable for a disconnect (§4.5.1, §4.5.2)', () => {
    const own = unavailablePresence('a@x/r', xml('presence', { type: 'unavailable', to: 'stale' }, xml('status', {}, 'bye')));
    assert.equal(own.attrs.from, 'a@x/r');
    assert.equal(own.attrs.to, undefined);
    assert.equal(own.getChildText('status'), 'bye');
    const built = unavailablePresence('a@x/r', undefined);
    assert.equal(built.toString(), xml('presence', { from: 'a@x/r', type: 'unavailable' }).toString());
  });

  it('sends unavailable to directed-presence targets the broadcast does not reach (§4.6.3)', () => {
    const out = directedOnly(['room@muc.x/nick', 'both@x', 'stranger@y', 'me@x', 'me@x/other', 'both@x/res'], ['both@x'], 'me@x');
    assert.deepEqual(out, ['room@muc.x/nick', 'stranger@y', 'both@x/res']);
  });

  it('tracks directed presence per session until directed unavailable or the end of the session (§4.6.3)', () => {
    const d = new DirectedPresence<object>();
    const s1 = {};
    const s2 = {};
    d.add(s1, 'a@x');
    d.add(s1, 'b@x/r');
    d.add(s1, 'a@x');
    d.add(s2, 'c@x');
    d.remove(s1, 'b@x/r');
    d.remove(s2, 'nobody@x');
    assert.deepEqual(d.take(s1), ['a@x']);
    assert.deepEqual(d.take(s1), []);
    assert.deepEqual(d.take(s2), ['c@x']);
  });

  it('remembers at most 1000 directed-presence targets per session', () => {
    const d = new DirectedPresence<object>();
    const s = {};
    for (let i = 0; i < 1500; i++) d.add(s, `room${i}@muc.x/nick`);
    const kept = d.take(s);
    assert.equal(kept.length, 1000);
    assert.equal(kept[0], 'room0@muc.x/nick', 'the first ones');
  });
});
