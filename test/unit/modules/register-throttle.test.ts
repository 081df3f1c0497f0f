// The per-address registration throttle of the register module (a local service policy,
// refused with policy-violation: RFC 6120 §8.3.3.12).
import assert from 'node:assert/strict';
import { AddressThrottle } from '../../../src/modules/register/throttle.js';

describe('register module: per-address throttle', () => {
  it('allows max registrations per window, then refuses until the oldest leaves the window', () => {
    const t = new AddressThrottle(2, 1000);
    assert.ok(t.take('192.0.2.1', 0));
    assert.ok(t.take('192.0.2.1', 100));
    assert.equal(t.take('192.0.2.1', 200), undefined);
    assert.equal(t.retryAfter('192.0.2.1', 200), 1);
    assert.ok(t.take('192.0.2.2', 200), 'another address has its own budget');
    assert.ok(t.take('192.0.2.1', 1001), 'the first registration left the window');
  });

  it('gives a slot back when the registration failed, once', () => {
    const t = new AddressThrottle(1, 1000);
    const release = t.take('192.0.2.1', 0)!;
    assert.equal(t.take('192.0.2.1', 1), undefined);
    release();
    release();
    assert.ok(t.take('192.0.2.1', 2));
    assert.equal(t.take('192.0.2.1', 3), undefined);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const t = new AddressThrottle(1, 1000);
    assert.ok(t.take('::ffff:192.0.2.1', 0));
    assert.equal(t.take('192.0.2.1', 1), undefined);
  });

  it('0 means no limit, and prune forgets addresses outside the window', () => {
    const off = new AddressThrottle(0, 1000);
    for (let i = 0; i < 10; i++) assert.ok(off.take('192.0.2.1', i));
    const t = new AddressThrottle(5, 1000);
    t.take('192.0.2.1', 0);
    t.take('192.0.2.2', 500);
    t.prune(1200);
    assert.equal(t.size, 1);
  });

  it('counts an IPv6 client by its /64: a fresh address of the same network has no fresh budget', () => {
    const t = new AddressThrottle(2, 1000);
    assert.ok(t.take('2001:db8:1:2::a', 0));
    assert.ok(t.take('2001:db8:1:2::b', 1));
    assert.equal(t.take('2001:db8:1:2:ffff::1', 2), undefined);
    assert.ok(t.take('2001:db8:1:3::1', 2), 'another /64 has its own');
  });
});
