// Host.flushWrites: waits for every registered write-behind flush; removed flushers are not
// called. Stream management acknowledgements and shutdown rely on this.
import assert from 'node:assert/strict';
import { Host } from '../../../src/core/host.js';
import { silentLogger } from '../../../src/util/log.js';

describe('core/host flushWrites', () => {
  it('resolves with no flushers registered', async () => {
    await new Host('localhost', silentLogger).flushWrites();
  });

  it('waits for every registered flush and skips removed ones', async () => {
    const host = new Host('localhost', silentLogger);
    const done: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    host.addFlusher(async () => {
      await slow;
      done.push('slow');
    });
    host.addFlusher(async () => {
      done.push('fast');
    });
    const remove = host.addFlusher(async () => {
      done.push('removed');
    });
    remove();
    let settled = false;
    const p = host.flushWrites().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'must wait for the slow flush');
    release();
    await p;
    assert.deepEqual(done.sort(), ['fast', 'slow']);
  });

  it('rejects when a flush fails, so an acknowledgement is not sent for lost writes', async () => {
    const host = new Host('localhost', silentLogger);
    host.addFlusher(async () => {
      throw new Error('disk full');
    });
    await assert.rejects(host.flushWrites(), /disk full/);
  });
});
