// TlsContexts (src/net/tls.ts) in real handshakes on loopback: SNI and the certificate each
// name gets, TLS versions and cipher suites, ALPN, the channel bindings tls-exporter and
// tls-server-end-point, and certificates replaced while serving. Configuration errors and the
// tls-server-end-point hash of each kind of certificate are in tls-certificates.test.ts.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { TlsContexts, tlsExporter, tlsServerEndPoint, type HostCert } from '../../../src/net/tls.js';
import { cn, Harness, hostCerts } from '../../support/tls-harness.js';

/** OpenSSL 3's SSL_OP_NO_EXTENDED_MASTER_SECRET (not exported by node:crypto). */
const SSL_OP_NO_EXTENDED_MASTER_SECRET = 1;

describe('net/tls: TLS contexts and channel bindings', () => {
  const hosts = hostCerts();
  let org: HostCert;
  let netCert: HostCert;
  before(() => {
    ({ org, netCert } = hosts);
  });

  const contexts = (minVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2') =>
    new TlsContexts({ minVersion, certs: [org, netCert], defaultDomain: 'example.org' });

  describe('served through new TLSSocket on accepted sockets (STARTTLS, direct TLS)', () => {
    let h: Harness;
    before(async () => {
      h = new Harness(contexts(), ['xmpp-client']);
      await h.start();
    });
    after(() => h.close());

    it('SNI (RFC 6066 §3) picks each host\'s certificate, which the client verifies', async () => {
      const ca = [org.certPem, netCert.certPem];
      for (const name of ['example.org', 'example.net', 'EXAMPLE.NET']) {
        const { client } = await h.connect({ servername: name, ca });
        assert.equal(client.authorized, true, name);
        assert.equal(cn(client), name.toLowerCase());
        client.destroy();
      }
    });

    it('a subdomain gets its parent\'s certificate (covered by *.parent); unknown names and no SNI get the default host\'s', async () => {
      const ca = [org.certPem, netCert.certPem];
      const sub = await h.connect({ servername: 'conference.example.net', ca });
      assert.equal(sub.client.authorized, true);
      assert.equal(cn(sub.client), 'example.net');
      sub.client.destroy();
      const unknown = await h.connect({ servername: 'unknown.test', rejectUnauthorized: false });
      assert.equal(cn(unknown.client), 'example.org');
      unknown.client.destroy();
      const noSni = await h.connect({ rejectUnauthorized: false }); // IP host: Node sends no SNI
      assert.equal(noSni.server.servername, false);
      assert.equal(cn(noSni.client), 'example.org');
      noSni.client.destroy();
    });

    it('negotiates TLS 1.3 and the ALPN protocol offered (XEP-0368)', async () => {
      const { client, server } = await h.connect({ servername: 'example.org', ca: org.certPem, ALPNProtocols: ['xmpp-client'] });
      assert.equal(client.getProtocol(), 'TLSv1.3');
      assert.equal(server.alpnProtocol, 'xmpp-client');
      client.destroy();
    });

    it('refuses a client limited to TLS 1.1 (RFC 8996)', async () => {
      const before = h.serverErrors.length;
      await assert.rejects(h.connect({
        servername: 'example.org', rejectUnauthorized: false,
        minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0',
      }));
      await waitFor(() => h.serverErrors.length > before);
      assert.match(h.serverErrors.at(-1)!.message, /unsupported protocol/);
    });

    it('TLS 1.2 uses the server\'s ECDHE-AEAD order and refuses non-ECDHE suites (RFC 9325 §4.2)', async () => {
      const { client } = await h.connect({
        servername: 'example.org', ca: org.certPem, maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256',
      });
      assert.equal(client.getProtocol(), 'TLSv1.2');
      assert.equal(client.getCipher().name, 'ECDHE-RSA-AES128-GCM-SHA256');
      client.destroy();
      await assert.rejects(h.connect({ servername: 'example.org', ca: org.certPem, maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }));
      await assert.rejects(h.connect({ servername: 'example.org', ca: org.certPem, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' }));
    });

    it('tls-exporter (RFC 9266) and tls-server-end-point (RFC 5929 §4.1) match the client\'s values on TLS 1.3', async () => {
      for (const [name, cert] of [['example.org', org], ['example.net', netCert]] as const) {
        const { client, server } = await h.connect({ servername: name, ca: cert.certPem });
        const clientExporter = client.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
        const peerRaw = client.getPeerCertificate().raw;
        assert.deepEqual(tlsExporter(server), clientExporter);
        assert.deepEqual(tlsExporter(client), clientExporter);
        assert.deepEqual(tlsServerEndPoint(server), createHash('sha256').update(peerRaw).digest());
        assert.deepEqual(tlsServerEndPoint(client, 'client'), tlsServerEndPoint(server));
        // the certificate served after SNI is the one hashed
        assert.deepEqual(peerRaw, new X509Certificate(cert.certPem).raw);
        client.destroy();
      }
    });

    it('tls-exporter on TLS 1.2 only with the extended master secret (RFC 9266 §2, RFC 7627)', async () => {
      const ems = await h.connect({ servername: 'example.org', ca: org.certPem, maxVersion: 'TLSv1.2' });
      assert.equal(ems.server.getProtocol(), 'TLSv1.2');
      assert.deepEqual(tlsExporter(ems.server), ems.client.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)));
      assert.deepEqual(tlsServerEndPoint(ems.server), createHash('sha256').update(ems.client.getPeerCertificate().raw).digest());
      ems.client.destroy();
      const noEms = await h.connect({
        servername: 'example.org', ca: org.certPem, maxVersion: 'TLSv1.2', secureOptions: SSL_OP_NO_EXTENDED_MASTER_SECRET,
      });
      assert.equal(noEms.server.getProtocol(), 'TLSv1.2');
      assert.equal(tlsExporter(noEms.server), undefined);
      assert.equal(tlsExporter(noEms.client), undefined);
      assert.ok(tlsServerEndPoint(noEms.server), 'tls-server-end-point stays available');
      noEms.client.destroy();
    });
  });


  it('minVersion TLSv1.3 refuses a TLS 1.2 client', async () => {
    const h = new Harness(contexts('TLSv1.3'));
    await h.start();
    try {
      await assert.rejects(h.connect({ servername: 'example.org', ca: org.certPem, maxVersion: 'TLSv1.2' }));
      const { client } = await h.connect({ servername: 'example.org', ca: org.certPem });
      assert.equal(client.getProtocol(), 'TLSv1.3');
      client.destroy();
    } finally {
      await h.close();
    }
  });

  it('replace() serves the new certificates; a bad set leaves the old ones in force', async () => {
    const c = contexts();
    const h = new Harness(c);
    await h.start();
    try {
      c.replace([org, { domain: 'example.net', certPem: org.certPem, keyPem: org.keyPem }]);
      const swapped = await h.connect({ servername: 'example.net', rejectUnauthorized: false });
      assert.equal(cn(swapped.client), 'example.org');
      swapped.client.destroy();
      assert.throws(() => c.replace([org, { domain: 'example.net', certPem: 'junk', keyPem: netCert.keyPem }]), /example\.net/);
      assert.throws(() => c.replace([netCert]), /no certificate for the default host example\.org/);
      const still = await h.connect({ servername: 'example.net', rejectUnauthorized: false });
      assert.equal(cn(still.client), 'example.org');
      still.client.destroy();
    } finally {
      await h.close();
    }
  });

  it('one certificate: sockets get no SNI callback and serve it to every name; replace() with two brings SNI back', async () => {
    const c = new TlsContexts({ minVersion: 'TLSv1.2', certs: [org], defaultDomain: 'example.org' });
    assert.equal(c.socketOptions(['xmpp-client']).SNICallback, undefined);
    assert.equal(c.socketOptions(['xmpp-client']), c.socketOptions(['xmpp-client']), 'made once, shared');
    const h = new Harness(c, ['xmpp-client']);
    await h.start();
    try {
      const one = await h.connect({ servername: 'example.net', rejectUnauthorized: false, ALPNProtocols: ['xmpp-client'] });
      assert.equal(cn(one.client), 'example.org');
      assert.equal(one.server.servername, 'example.net', 'the name asked for is still known (binding types, logs)');
      assert.equal(one.client.alpnProtocol, 'xmpp-client');
      one.client.destroy();
      c.replace([org, netCert]);
      assert.equal(typeof c.socketOptions(['xmpp-client']).SNICallback, 'function');
      const two = await h.connect({ servername: 'example.net', ca: netCert.certPem });
      assert.equal(two.client.authorized, true);
      assert.equal(cn(two.client), 'example.net');
      two.client.destroy();
    } finally {
      await h.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
