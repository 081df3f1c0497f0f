// What start, reload and check-config say about a certificate: expired, expiring within 14 days,
// not valid yet, or not naming its host. A real certificate (the self-signed generator's,
// valid 365 days), read at chosen moments.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { certificateWarnings } from '../../../src/net/cert-check.js';
import { certNames } from '../../../src/net/certs.js';
import { createSelfSigned } from '../../../src/net/x509.js';

const DAY = 86_400_000;

describe('certificate warnings', () => {
  let cert: X509Certificate;
  let notAfter: number;
  before(async () => {
    cert = new X509Certificate((await createSelfSigned(certNames('chat.example.org'))).certPem);
    notAfter = Date.parse(cert.validTo);
  });

  it('none for a valid certificate that names its host', () => {
    assert.deepEqual(certificateWarnings('chat.example.org', cert, Date.now()), []);
  });

  it('one that does not name the host will be refused by clients', () => {
    const [w, ...more] = certificateWarnings('other.example.org', cert, Date.now());
    assert.equal(more.length, 0);
    assert.match(w!, /^the certificate for other\.example\.org does not name it/);
  });

  it('expiring within 14 days, and expired', () => {
    assert.deepEqual(certificateWarnings('chat.example.org', cert, notAfter - 15 * DAY), []);
    assert.match(certificateWarnings('chat.example.org', cert, notAfter - 13 * DAY)[0]!, /^the certificate for chat\.example\.org expires on \d{4}-/);
    assert.match(certificateWarnings('chat.example.org', cert, notAfter + 1000)[0]!, /expired on .*: clients will refuse it$/);
  });

  it('not valid yet', () => {
    assert.match(certificateWarnings('chat.example.org', cert, Date.parse(cert.validFrom) - DAY)[0]!, /is not valid before/);
  });
});
