// The offline module's options: a strict schema with a default and bounds (architecture guide:
// every option has a validator and a default; unknown keys are rejected).
import assert from 'node:assert/strict';
import offline from '../../../src/modules/offline/index.js';

describe('modules/offline: options', () => {
  it('defaults max_messages to 500', () => {
    assert.deepEqual(offline.options.parse({}), { max_messages: 500 });
  });

  it('accepts 0 (store nothing) up to 100000', () => {
    assert.equal(offline.options.parse({ max_messages: 0 }).max_messages, 0);
    assert.equal(offline.options.parse({ max_messages: 100_000 }).max_messages, 100_000);
  });

  it('refuses negative, too large, fractional and non-numeric limits', () => {
    for (const max_messages of [-1, 100_001, 1.5, '10', null]) {
      assert.equal(offline.options.safeParse({ max_messages }).success, false, String(max_messages));
    }
  });

  it('refuses unknown keys', () => {
    const r = offline.options.safeParse({ max_message: 10 });
    assert.equal(r.success, false);
    assert.equal(r.error?.issues[0]?.code, 'unrecognized_keys');
  });
});
