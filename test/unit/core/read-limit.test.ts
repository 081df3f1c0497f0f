// The read pacer of a client stream: a token bucket that pauses the transport instead of dropping
// data (RFC 6120 §13.12), and that shares the pause with the stream's own backpressure.
import assert from 'node:assert/strict';
import { ReadPacer } from '../../../src/core/c2s/read-limit.js';
import { until } from '../../support/hostile.js';

class FakeTransport {
  readonly calls: ('pause' | 'resume')[] = [];
  paused = false;
  pause(): void {
    this.calls.push('pause');
    this.paused = true;
  }
  resume(): void {
    this.calls.push('resume');
    this.paused = false;
  }
}

describe('ReadPacer (token bucket on reading)', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('reads a burst without pausing, then pauses on the first byte of debt', () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 1000, burstBytes: 4000 }, now);
    p.consume(3000);
    p.consume(1000);
    assert.deepEqual(t.calls, []);
    p.consume(1);
    assert.deepEqual(t.calls, ['pause']);
    assert.ok(p.limited);
    p.stop();
  });

  it('refills at the rate: after one second of quiet, another rate-worth of bytes passes', () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 1000, burstBytes: 1000 }, now);
    p.consume(1000);
    clock += 1000;
    p.consume(1000);
    assert.deepEqual(t.calls, []);
    clock += 500;
    p.consume(501);
    assert.deepEqual(t.calls, ['pause']);
    p.stop();
  });

  it('never holds more than the burst, however long the stream was quiet', () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 1000, burstBytes: 1000 }, now);
    clock += 3_600_000;
    p.consume(1001);
    assert.deepEqual(t.calls, ['pause']);
    p.stop();
  });

  it('resumes by itself once the debt is paid off, without losing track of what was read meanwhile', async () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 1000, burstBytes: 100 }, now);
    p.consume(105); // 5 bytes of debt: about 5 ms
    assert.ok(t.paused);
    p.consume(5); // a chunk that was already in flight: more debt, still paused
    assert.ok(t.paused);
    clock += 5;
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(t.paused, 'half the debt paid: still paused');
    clock += 5;
    await until(() => !t.paused, 'resume');
    assert.equal(t.calls.at(-1), 'resume');
    assert.equal(p.limited, false);
    p.stop();
  });

  it('stays paused while the stream holds it, even when the bucket has refilled', async () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 1000, burstBytes: 10 }, now);
    p.hold();
    assert.deepEqual(t.calls, ['pause']);
    p.consume(11);
    clock += 1000;
    await until(() => !p.limited, 'the rate timer');
    assert.ok(t.paused, 'held by the stream');
    p.release();
    assert.equal(t.paused, false);
    assert.equal(t.calls.filter((c) => c === 'resume').length, 1);
    p.stop();
  });

  it('stays paused by the rate when the stream releases its hold', () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 1000, burstBytes: 10 }, now);
    p.hold();
    p.consume(1000);
    p.release();
    assert.ok(t.paused);
    p.stop();
  });

  it('rate 0 never pauses on its own; hold and release still work', () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 0, burstBytes: 1024 }, now);
    p.consume(1 << 30);
    assert.deepEqual(t.calls, []);
    p.hold();
    p.release();
    assert.deepEqual(t.calls, ['pause', 'resume']);
    p.stop();
  });

  it('a new rate (after authentication) starts with a full bucket and lifts a rate pause', () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 10, burstBytes: 10 }, now);
    p.consume(1000);
    assert.ok(t.paused);
    p.setRate({ bytesPerSecond: 1000, burstBytes: 5000 });
    assert.equal(t.paused, false);
    p.consume(5000);
    assert.equal(t.paused, false);
    p.consume(1);
    assert.ok(t.paused);
    p.stop();
  });

  it('does nothing after stop(): no resume from a pending timer', async () => {
    const t = new FakeTransport();
    const p = new ReadPacer(t, { bytesPerSecond: 1000, burstBytes: 1 }, now);
    p.consume(3);
    p.stop();
    clock += 1000;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(t.calls, ['pause']);
    p.release();
    p.consume(100);
    assert.deepEqual(t.calls, ['pause']);
  });
});
