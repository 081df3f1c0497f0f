// randomId: base64url of the requested length, never the same bytes twice across pool refills,
// bounds refused.
import assert from 'node:assert/strict';
import { randomId } from '../../../src/util/random-id.js';

describe('util/randomId', () => {
  it('returns base64url of the requested number of bytes', () => {
    for (const n of [1, 6, 9, 12, 256]) {
      const id = randomId(n);
      assert.match(id, /^[A-Za-z0-9_-]+$/);
      assert.equal(Buffer.from(id, 'base64url').length, n);
    }
  });

  it('hands out distinct identifiers across several pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(randomId(12)); // 60,000 bytes: about 15 refills
    assert.equal(seen.size, 5000);
  });

  it('refuses sizes outside 1 to 256 bytes', () => {
    for (const n of [0, -1, 257, 1.5]) assert.throws(() => randomId(n), RangeError);
  });
});
