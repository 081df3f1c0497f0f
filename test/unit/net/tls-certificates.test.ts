// What TlsContexts (src/net/tls.ts) makes of the certificates it is given: configuration errors
// that name the domain, and the hash tls-server-end-point uses for each kind of certificate
// signature (RFC 5929 §4.1), known per certificate as SNI picks it. The handshakes themselves are
// in tls.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { TlsContexts, endPointHash, tlsServerEndPoint, type HostCert } from '../../../src/net/tls.js';
import { Harness, hostCerts } from '../../support/tls-harness.js';

const run = promisify(execFile);

describe('net/tls: certificates', () => {
  const hosts = hostCerts();
  let dir: string;
  let org: HostCert;
  let netCert: HostCert;
  before(() => {
    ({ dir, org, netCert } = hosts);
  });

  describe('configuration errors name the domain', () => {
    const make = (certs: HostCert[], minVersion = 'TLSv1.2') =>
      new TlsContexts({ minVersion: minVersion as 'TLSv1.2', certs, defaultDomain: 'example.org' });

    it('invalid certificate PEM', () => {
      assert.throws(() => make([{ ...org, certPem: 'garbage' }]), /certificate for example\.org holds no PEM certificate/);
      const broken = org.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
      assert.throws(() => make([{ ...org, certPem: broken }]), /example\.org/);
    });

    it('invalid key PEM', () => {
      assert.throws(() => make([{ ...org, keyPem: 'garbage' }]), /private key for example\.org is not a valid PEM private key/);
    });

    it('a key that belongs to another certificate', () => {
      assert.throws(() => make([{ ...org, keyPem: netCert.keyPem }]), /does not match the certificate .*example\.org/);
    });

    it('missing default host, duplicate host, minimum version below TLS 1.2', () => {
      assert.throws(() => make([netCert]), /no certificate for the default host example\.org/);
      assert.throws(() => make([org, { ...org, domain: 'Example.org' }]), /two certificates configured for example\.org/);
      assert.throws(() => make([org], 'TLSv1.1'), /TLSv1\.2 or TLSv1\.3, not TLSv1\.1/);
    });
  });

  describe('tls-server-end-point hash choice (RFC 5929 §4.1)', () => {
    const { asn1 } = forge;
    const seq = (v: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, v);
    const oid = (o: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
    /** Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING } with a dummy tbs. */
    const certWith = (alg: forge.asn1.Asn1[]) => Buffer.from(asn1.toDer(seq([
      seq([asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, '\x01')]),
      seq(alg),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, '\x00\x01'),
    ])).getBytes(), 'binary');
    const pss = (hashOid?: string) => certWith([oid('1.2.840.113549.1.1.10'), seq(hashOid
      ? [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [seq([oid(hashOid)])])] : [])]);

    it('MD5, SHA-1 and SHA-256 signatures use SHA-256; SHA-384/512 use their own hash', () => {
      assert.equal(endPointHash(certWith([oid('1.2.840.113549.1.1.4')])), 'sha256'); // md5WithRSA
      assert.equal(endPointHash(certWith([oid('1.2.840.113549.1.1.5')])), 'sha256'); // sha1WithRSA
      assert.equal(endPointHash(certWith([oid('1.2.840.10045.4.1')])), 'sha256'); // ecdsa-with-SHA1
      assert.equal(endPointHash(certWith([oid('1.2.840.113549.1.1.12')])), 'sha384');
      assert.equal(endPointHash(certWith([oid('1.2.840.10045.4.3.4')])), 'sha512');
      assert.equal(endPointHash(new X509Certificate(org.certPem).raw), 'sha256');
    });

    it('RSASSA-PSS takes the hash from its parameters (default SHA-1, so SHA-256)', () => {
      assert.equal(endPointHash(pss('2.16.840.1.101.3.4.2.2')), 'sha384');
      assert.equal(endPointHash(pss()), 'sha256');
    });

    it('no single hash (Ed25519) or unreadable DER: undefined', () => {
      assert.equal(endPointHash(certWith([oid('1.3.101.112')])), null);
      assert.equal(endPointHash(Buffer.from([0x30, 0x82, 0xff])), null);
      assert.equal(endPointHash(Buffer.alloc(0)), null);
    });

    it('endPointAvailable: known per certificate, picked as SNI picks it (Ed25519: none; skipped without openssl)', async function () {
      const certFile = join(dir, 'ed25519.crt');
      const keyFile = join(dir, 'ed25519.key');
      try {
        await run('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-subj', '/CN=example.net', '-days', '1', '-keyout', keyFile, '-out', certFile]);
      } catch {
        this.skip();
      }
      const ed: HostCert = { domain: 'example.net', certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
      const c = new TlsContexts({ minVersion: 'TLSv1.2', certs: [org, ed], defaultDomain: 'example.org' });
      assert.equal(c.endPointAvailable('example.org'), true);
      assert.equal(c.endPointAvailable('xmpp.example.org'), true);
      assert.equal(c.endPointAvailable(undefined), true, 'no SNI: the default host\'s certificate');
      assert.equal(c.endPointAvailable(false), true);
      assert.equal(c.endPointAvailable('example.net'), false);
      assert.equal(c.endPointAvailable('chat.example.net'), false);
      c.replace([org, netCert]);
      assert.equal(c.endPointAvailable('example.net'), true, 'follows a reload');
    });

    it('a real ECDSA P-384/SHA-384 certificate is hashed with SHA-384 on both ends (skipped without openssl)', async function () {
      const certFile = join(dir, 'p384.crt');
      const keyFile = join(dir, 'p384.key');
      try {
        await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-sha384', '-nodes',
          '-subj', '/CN=example.org', '-days', '1', '-keyout', keyFile, '-out', certFile]);
      } catch {
        this.skip();
      }
      const p384: HostCert = { domain: 'example.org', certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
      const h = new Harness(new TlsContexts({ minVersion: 'TLSv1.2', certs: [p384], defaultDomain: 'example.org' }));
      await h.start();
      try {
        const { client, server } = await h.connect({ servername: 'example.org', rejectUnauthorized: false });
        const expected = createHash('sha384').update(client.getPeerCertificate().raw).digest();
        assert.deepEqual(tlsServerEndPoint(server), expected);
        assert.deepEqual(tlsServerEndPoint(client, 'client'), expected);
        client.destroy();
      } finally {
        await h.close();
      }
    });
  });});
