// The unacknowledged queue and the ack-request cadence of stream management (XEP-0198 §4):
// counts modulo 2^32, stale and too-high acknowledgements, requests every N stanzas and at the
// end of a burst, the overflow signal.
import assert from 'node:assert/strict';
import { parseH, UnackedQueue } from '../../../src/core/c2s/sm/queue.js';
import { ACK_REQUEST, SmState } from '../../../src/core/c2s/sm/state.js';
import { xml, type Element } from '../../../src/xmpp/xml.js';

const msg = (n: number): Element => xml('message', { id: `m${n}` });
const ids = (q: UnackedQueue): string[] => {
  const out: string[] = [];
  q.forEach((s) => out.push(s.attrs.id as string));
  return out;
};
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('core/c2s/sm: unacknowledged queue (XEP-0198 §4)', () => {
  it('parses h as an xs:unsignedInt and nothing else', () => {
    assert.equal(parseH('0'), 0);
    assert.equal(parseH('4294967295'), 4294967295);
    for (const bad of [undefined, '', '-1', '4294967296', '1.5', ' 1', '0x10', '12345678901']) assert.equal(parseH(bad), undefined, String(bad));
  });

  it('drops the stanzas an acknowledgement covers and keeps the rest in order', () => {
    const q = new UnackedQueue();
    for (let i = 1; i <= 5; i++) q.push(msg(i), i);
    assert.equal(q.ack(2), 'ok');
    assert.deepEqual(ids(q), ['m3', 'm4', 'm5']);
    assert.equal(q.sent, 5);
    assert.equal(q.ack(2), 'ok', 'the same h again changes nothing');
    assert.equal(q.length, 3);
    assert.equal(q.ack(5), 'ok');
    assert.equal(q.length, 0);
  });

  it('calls an h beyond the stanzas sent too high and an h behind the last one stale, changing nothing (§6)', () => {
    const q = new UnackedQueue();
    for (let i = 1; i <= 3; i++) q.push(msg(i), i);
    assert.equal(q.ack(2), 'ok');
    assert.equal(q.ack(4), 'too-high');
    assert.equal(q.ack(1), 'stale');
    assert.deepEqual(ids(q), ['m3']);
  });

  it('counts across the 2^32 wrap: h goes from 2^32-1 back to 0 (§4)', () => {
    const q = new UnackedQueue();
    // Bring the acknowledged count to 2^32 - 2 the way a long session would.
    for (let i = 0; i < 3; i++) q.push(msg(i), 0);
    assert.equal(q.ack(3), 'ok');
    (q as unknown as { acked: number }).acked = 2 ** 32 - 2;
    for (let i = 1; i <= 4; i++) q.push(msg(i), i);
    assert.equal(q.sent, 2);
    assert.equal(q.ack(2 ** 32 - 1), 'ok');
    assert.deepEqual(ids(q), ['m2', 'm3', 'm4']);
    assert.equal(q.ack(1), 'ok');
    assert.deepEqual(ids(q), ['m4']);
    assert.equal(q.ack(3), 'too-high');
  });

  it('drains what is left with the times it was sent, and keeps working after compaction', () => {
    const q = new UnackedQueue();
    for (let i = 1; i <= 3000; i++) q.push(msg(i), 1000 + i);
    assert.equal(q.ack(2500), 'ok');
    q.push(msg(3001), 5000);
    const rest = q.drain();
    assert.equal(rest.length, 501);
    assert.deepEqual([rest[0]!.stanza.attrs.id, rest[0]!.sentAt], ['m2501', 3501]);
    assert.equal(q.length, 0);
    assert.equal(q.sent, 3001, 'the count carries on');
  });
});

describe('core/c2s/sm: when the server asks for acknowledgements (XEP-0198 §4)', () => {
  function setup(every: number, max = 100): { sm: SmState; written: string[]; overflows: number[] } {
    const written: string[] = [];
    const overflows: number[] = [];
    const out = { write: (d: string) => written.push(d) };
    const sm = new SmState(undefined, 0, { maxUnacked: max, requestEvery: every }, () => out, () => overflows.push(1));
    return { sm, written, overflows };
  }

  it(`writes ${ACK_REQUEST} after every N stanzas and once at the end of a burst`, async () => {
    const { sm, written } = setup(3);
    const out = { write: (d: string) => written.push(d) };
    for (let i = 1; i <= 7; i++) {
      written.push(`s${i}`);
      sm.sent(msg(i), out);
    }
    await tick();
    assert.deepEqual(written, ['s1', 's2', 's3', ACK_REQUEST, 's4', 's5', 's6', ACK_REQUEST, 's7', ACK_REQUEST]);
  });

  it('asks nothing while hibernating, and signals the overflow once past the bound', async () => {
    const { sm, written, overflows } = setup(1, 2);
    for (let i = 1; i <= 4; i++) sm.sent(msg(i), undefined);
    await tick();
    assert.deepEqual(written, []);
    assert.deepEqual(overflows, [1]);
    assert.equal(sm.queue.length, 4, 'nothing dropped');
  });

  it('counts handled stanzas modulo 2^32', () => {
    const { sm } = setup(5);
    sm.inbound = 2 ** 32 - 1;
    sm.countInbound();
    assert.equal(sm.inbound, 0);
  });
});
