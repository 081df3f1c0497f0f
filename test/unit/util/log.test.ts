// The structured logger: JSON lines with the bound fields, level filtering, and errors reduced to
// name, message and stack with a bound on their size.
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/util/log.js';

function capture(level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }, { module: 'test' });
  return { log, lines };
}

describe('util/log', () => {
  it('writes one JSON line per entry with level, message and bound fields, below the level nothing', () => {
    const { log, lines } = capture('info');
    log.debug('hidden');
    log.info('shown', { n: 1 });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 'info');
    assert.equal(lines[0]!.msg, 'shown');
    assert.equal(lines[0]!.module, 'test');
    assert.equal(lines[0]!.n, 1);
  });

  it('logs an error as name, message and stack, each clipped when huge', () => {
    const { log, lines } = capture();
    log.warn('small', { err: new TypeError('short') });
    const small = lines[0]!.err as { name: string; message: string; stack: string };
    assert.equal(small.name, 'TypeError');
    assert.equal(small.message, 'short');
    assert.match(small.stack, /TypeError: short/);
    log.warn('huge', { err: new Error(`insert into kv ${'(?, ?), '.repeat(2000)}`) });
    const huge = lines[1]!.err as { message: string; stack: string };
    assert.ok(huge.message.length < 2100, `message clipped (${huge.message.length})`);
    assert.match(huge.message, /^insert into kv/);
    assert.match(huge.message, /\(\d+ more characters\)$/);
    assert.ok(huge.stack.length < 4100, `stack clipped (${huge.stack.length})`);
  });
});
