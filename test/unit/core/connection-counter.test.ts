// Open connections per client address (limits.max_connections_per_address), and the key an
// address is counted under.
import assert from 'node:assert/strict';
import { ConnectionCounter, addressKey } from '../../../src/core/c2s/throttle.js';

describe('connections per address', () => {
  it('counts IPv4 addresses as they are, and IPv4-mapped IPv6 addresses as IPv4', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  });

  it('counts IPv6 addresses by their /64 network, whatever the spelling', () => {
    const key = '2001:db8:0:1::/64';
    for (const a of ['2001:db8:0:1::1', '2001:db8::1:0:0:0:2', '2001:0db8:0000:0001:ffff:ffff:ffff:ffff', '2001:db8:0:1::1%eth0']) {
      assert.equal(addressKey(a), key, a);
    }
    assert.notEqual(addressKey('2001:db8:0:2::1'), key);
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1'), 'fe80:0:0:0::/64');
  });

  it('refuses the connection past the limit without counting it, and admits again once one closes', () => {
    const c = new ConnectionCounter(2);
    assert.ok(c.add('192.0.2.1'));
    assert.ok(c.add('::ffff:192.0.2.1'));
    assert.equal(c.add('192.0.2.1'), false);
    assert.equal(c.count('192.0.2.1'), 2);
    assert.ok(c.add('192.0.2.2'), 'another address has its own count');
    c.remove('192.0.2.1');
    assert.ok(c.add('192.0.2.1'));
  });

  it('0 means no limit; removing the last connection forgets the address', () => {
    const c = new ConnectionCounter(0);
    for (let i = 0; i < 1000; i++) assert.ok(c.add('192.0.2.1'));
    assert.equal(c.addresses, 1);
    for (let i = 0; i < 1000; i++) c.remove('192.0.2.1');
    assert.equal(c.count('192.0.2.1'), 0);
    assert.equal(c.addresses, 0, 'no entry is kept for the address');
    c.remove('192.0.2.1');
    assert.equal(c.count('192.0.2.1'), 0);
    assert.equal(c.addresses, 0);
  });
});
