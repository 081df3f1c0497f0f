// Failed-login throttling per address counts as connections are counted: an IPv6 client by its
// /64, so walking the addresses of its network gives it no fresh budget.
import assert from 'node:assert/strict';
import { AuthThrottle } from '../../../src/core/c2s/throttle.js';

describe('core/c2s AuthThrottle', () => {
  it('blocks a /64 whose addresses together failed too often, and no other', () => {
    const t = new AuthThrottle({ max_failures_per_account: 5, max_failures_per_address: 3, throttle_window: 60 });
    for (const a of ['2001:db8:5:6::1', '2001:db8:5:6::2', '2001:db8:5:6:1:2:3:4']) t.addresses.fail(a, 0);
    assert.equal(t.addresses.blocked('2001:db8:5:6::99', 1), true);
    assert.equal(t.addresses.blocked('2001:db8:5:7::1', 1), false);
    assert.equal(t.addresses.blocked('192.0.2.1', 1), false);
  });

  it('an IPv4 address on a dual-stack socket counts as that address', () => {
    const t = new AuthThrottle({ max_failures_per_account: 5, max_failures_per_address: 1, throttle_window: 60 });
    t.addresses.fail('::ffff:192.0.2.9', 0);
    assert.equal(t.addresses.blocked('192.0.2.9', 1), true);
  });
});
