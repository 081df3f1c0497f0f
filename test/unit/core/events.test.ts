// The typed event bus: priorities, stopping the chain, async handlers, a closed event list.
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/core/events.js';
import { silentLogger } from '../../../src/util/log.js';
import type { SessionEvent } from '../../../src/core/stanza-events.js';

const payload = {} as SessionEvent;

describe('core/events: EventBus', () => {
  it('runs handlers by descending priority, registration order breaking ties', () => {
    const bus = new EventBus(silentLogger);
    const seen: string[] = [];
    bus.on('session/bound', () => void seen.push('low'), -10);
    bus.on('session/bound', () => void seen.push('high'), 10);
    bus.on('session/bound', () => void seen.push('mid1'));
    bus.on('session/bound', () => void seen.push('mid2'));
    assert.equal(bus.fire('session/bound', payload), false);
    assert.deepEqual(seen, ['high', 'mid1', 'mid2', 'low']);
  });

  it('stops at the first handler that returns true and reports the event as handled', () => {
    const bus = new EventBus(silentLogger);
    const seen: string[] = [];
    bus.on('session/bound', () => true, 5);
    bus.on('session/bound', () => void seen.push('never'));
    assert.equal(bus.fire('session/bound', payload), true);
    assert.deepEqual(seen, []);
  });

  it('stays synchronous until a handler returns a promise, then continues after it resolves', async () => {
    const bus = new EventBus(silentLogger);
    const seen: string[] = [];
    bus.on('session/bound', () => void seen.push('a'), 3);
    bus.on('session/bound', async () => {
      await new Promise((r) => setImmediate(r));
      seen.push('b');
    }, 2);
    bus.on('session/bound', () => {
      seen.push('c');
      return true;
    }, 1);
    const r = bus.fire('session/bound', payload);
    assert.ok(r instanceof Promise);
    assert.deepEqual(seen, ['a']);
    assert.equal(await r, true);
    assert.deepEqual(seen, ['a', 'b', 'c']);
  });

  it('refuses an event name that is not in the closed list', () => {
    const bus = new EventBus(silentLogger);
    assert.throws(() => bus.on('session/bund' as 'session/bound', () => undefined), /unknown event/);
  });

  it('removes a handler through the function on() returns', () => {
    const bus = new EventBus(silentLogger);
    let n = 0;
    const off = bus.on('session/bound', () => void n++);
    bus.fire('session/bound', payload);
    off();
    bus.fire('session/bound', payload);
    assert.equal(n, 1);
  });

  it('a dispatch under way keeps its handler list when handlers are added or removed during it', async () => {
    const bus = new EventBus(silentLogger);
    const seen: string[] = [];
    let removeLate = (): void => undefined;
    bus.on('session/bound', () => {
      seen.push('first');
      removeLate();
      bus.on('session/bound', () => void seen.push('added'), -100);
      return Promise.resolve(undefined);
    }, 10);
    removeLate = bus.on('session/bound', () => void seen.push('late'));
    assert.equal(await bus.fire('session/bound', payload), false);
    assert.deepEqual(seen, ['first', 'late']);
    seen.length = 0;
    removeLate = () => undefined;
    assert.equal(await bus.fire('session/bound', payload), false);
    assert.deepEqual(seen, ['first', 'added']);
  });

  it('emit() logs a failing handler instead of throwing', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../../src/util/log.js');
    const bus = new EventBus(createLogger({ level: 'error', write: (l) => lines.push(l) }));
    bus.on('session/bound', () => {
      throw new Error('boom');
    });
    bus.on('session/closed', async () => {
      throw new Error('async boom');
    });
    bus.emit('session/bound', payload);
    bus.emit('session/closed', { ...payload, error: undefined });
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /event handler failed/);
  });
});
