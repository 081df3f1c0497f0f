// ipVersion: the same answers as node:net's isIP, which it replaces to spare names the IPv6 pattern.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { ipVersion } from '../../../src/xmpp/ip.js';

describe('xmpp/ipVersion', () => {
  it('agrees with isIP on addresses, names and near misses', () => {
    const samples = [
      '', '0.0.0.0', '127.0.0.1', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '127.1', '0x7f.0.0.1',
      '::', '::1', '1::', 'fe80::1', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8:9', ':::', '1::2::3', 'g::1', '[::1]', 'localhost', 'example.org', 'xn--bcher-kva.example', 'a:b',
      'conference.example.org', '1.2.3.4:5222', ' 1.2.3.4', '::1 ', 'ffff', '%eth0',
    ];
    for (const s of samples) assert.equal(ipVersion(s), isIP(s), JSON.stringify(s));
  });

  it('agrees with isIP on random strings over the characters of addresses', () => {
    const alphabet = '0123456789abcdefABCDEFg.:%[]-x';
    for (let i = 0; i < 5000; i++) {
      const bytes = randomBytes(1 + (i % 40));
      const s = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
      assert.equal(ipVersion(s), isIP(s), JSON.stringify(s));
    }
  });
});
