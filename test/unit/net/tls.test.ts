import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { ensureSelfSigned } from '../../../src/net/certs.js';
import { TlsContexts, endPointHash, tlsExporter, tlsServerEndPoint, type HostCert } from '../../../src/net/tls.js';

const run = promisify(execFile);
/** OpenSSL 3's SSL_OP_NO_EXTENDED_MASTER_SECRET (not exported by node:crypto). */
const SSL_OP_NO_EXTENDED_MASTER_SECRET = 1;

/** A loopback TLS server as the listeners make one: TCP, then `new TLSSocket` on each socket. */
class Harness {
  readonly serverErrors: Error[] = [];
  #server!: net.Server;
  /** Server ends by the client's port, so a refused handshake cannot pair up the wrong sockets. */
  #secured = new Map<number, tls.TLSSocket>();
  #waiters = new Map<number, (s: tls.TLSSocket) => void>();
  #sockets = new Set<net.Socket>();

  constructor(readonly contexts: TlsContexts, readonly alpn: string[] = []) {}

  async start(): Promise<number> {
    const onSecure = (s: tls.TLSSocket) => {
      const port = s.remotePort!;
      const waiter = this.#waiters.get(port);
      if (waiter) waiter(s);
      else this.#secured.set(port, s);
    };
    this.#server = net.createServer((plain) => {
      const s = new tls.TLSSocket(plain, this.contexts.socketOptions(this.alpn));
      s.on('secure', () => onSecure(s));
      s.on('error', (err) => this.serverErrors.push(err));
    });
    this.#server.on('connection', (s: net.Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  /** Connects; resolves with both ends once both have finished the handshake. */
  async connect(opts: tls.ConnectionOptions): Promise<{ client: tls.TLSSocket; server: tls.TLSSocket }> {
    const port = (this.#server.address() as AddressInfo).port;
    const client = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port, ...opts }, () => resolve(c));
      c.on('error', reject);
    });
    const local = client.localPort!;
    const server = this.#secured.get(local) ?? await new Promise<tls.TLSSocket>((resolve) => this.#waiters.set(local, resolve));
    this.#secured.delete(local);
    this.#waiters.delete(local);
    return { client, server };
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

const cn = (s: tls.TLSSocket): string | undefined => s.getPeerCertificate().subject?.CN as string | undefined;

describe('net/tls: TLS contexts and channel bindings', () => {
  let dir: string;
  let org: HostCert;
  let netCert: HostCert;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-tls-'));
    const [a, b] = await Promise.all([ensureSelfSigned('example.org', dir), ensureSelfSigned('example.net', dir)]);
    org = { domain: 'example.org', certPem: a.certPem, keyPem: a.keyPem };
    netCert = { domain: 'example.net', certPem: b.certPem, keyPem: b.keyPem };
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
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
  });
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
