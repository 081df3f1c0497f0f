import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { ensureSelfSigned, type SelfSignedResult } from '../../../src/net/certs.js';
import { loadHostCert } from '../../../src/net/pem.js';
import { createLogger } from '../../../src/util/log.js';

const run = promisify(execFile);

async function hasOpenssl(): Promise<boolean> {
  try {
    await run('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

/** Connects a client that trusts only `ca` to a server presenting `pair`, with the given SNI. */
async function handshake(pair: { certPem: string; keyPem: string }, servername: string): Promise<{ authorized: boolean; error?: string }> {
  const server = tls.createServer({ cert: pair.certPem, key: pair.keyPem }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const client = tls.connect({ host: '127.0.0.1', port, servername, ca: pair.certPem }, () => {
        resolve({ authorized: client.authorized });
        client.destroy();
      });
      client.on('error', (err: NodeJS.ErrnoException) => resolve({ authorized: false, error: err.code ?? err.message }));
    });
  } finally {
    server.close();
  }
}

describe('net/certs: self-signed certificate (RFC 6120 §13.7.1.4, RFC 4985)', () => {
  let dir: string;
  let first: SelfSignedResult;
  const logLines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-certs-'));
    const log = createLogger({ level: 'trace', write: (line) => logLines.push(line) });
    first = await ensureSelfSigned('example.org', join(dir, 'certs'), log);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates <dir>/<domain>.crt and .key (directory created) and says so at info, without key material', async () => {
    assert.equal(first.generated, true);
    assert.equal(first.certFile, join(dir, 'certs', 'example.org.crt'));
    assert.equal(first.keyFile, join(dir, 'certs', 'example.org.key'));
    assert.equal(await readFile(first.certFile, 'utf8'), first.certPem);
    assert.equal(await readFile(first.keyFile, 'utf8'), first.keyPem);
    const info = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'info');
    assert.equal(info.length, 1);
    assert.match(String(info[0]!.msg), /self-signed/);
    assert.equal(info[0]!.domain, 'example.org');
    const all = logLines.join('');
    assert.doesNotMatch(all, /PRIVATE KEY|BEGIN/);
    assert.ok(!all.includes(first.keyPem.split('\n')[1]!));
  });

  it('writes the private key with mode 0600', async () => {
    assert.equal((await stat(first.keyFile)).mode & 0o777, 0o600);
  });

  it('profile: X.509 v3, sha256WithRSA, positive serial, ~1 year, CN = domain, CA false, serverAuth', () => {
    const x509 = new X509Certificate(first.certPem);
    assert.equal(x509.subject, 'CN=example.org');
    assert.equal(x509.issuer, 'CN=example.org');
    assert.equal(x509.ca, false);
    assert.ok(x509.verify(x509.publicKey), 'self-signature verifies');
    assert.ok(x509.checkPrivateKey(createPrivateKey(first.keyPem)));
    assert.deepEqual(x509.keyUsage, ['1.3.6.1.5.5.7.3.1']); // Node reports extKeyUsage here
    assert.ok(parseInt(x509.serialNumber[0]!, 16) < 8, 'serial is positive');
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
    assert.ok(days > 364 && days < 367, `validity ${days} days`);
    assert.ok(Date.parse(x509.validFrom) <= Date.now());
    const parsed = forge.pki.certificateFromPem(first.certPem);
    assert.equal(parsed.version, 2); // v3
    assert.equal(parsed.signatureOid, forge.pki.oids['sha256WithRSAEncryption']);
    const ku = parsed.getExtension('keyUsage') as { critical: boolean; digitalSignature: boolean; keyEncipherment: boolean; keyCertSign?: boolean };
    assert.deepEqual([ku.critical, ku.digitalSignature, ku.keyEncipherment, !!ku.keyCertSign], [true, true, true, false]);
    assert.equal(x509.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it('subjectAltName has DNS:domain, DNS:*.domain, id-on-xmppAddr and both SRVNames', async () => {
    const expected = 'DNS:example.org, DNS:*.example.org, othername:XmppAddr:example.org, '
      + 'othername:SRVName:_xmpp-client.example.org, othername:SRVName:_xmpp-server.example.org';
    assert.equal(new X509Certificate(first.certPem).subjectAltName, expected);
  });

  it('openssl reads the same otherNames (skipped without openssl)', async function () {
    if (!(await hasOpenssl())) this.skip();
    const { stdout } = await run('openssl', ['x509', '-in', first.certFile, '-noout', '-ext', 'subjectAltName']);
    assert.match(stdout, /DNS:example\.org, DNS:\*\.example\.org, othername: ?XmppAddr::example\.org, othername: ?SRVName::_xmpp-client\.example\.org, othername: ?SRVName::_xmpp-server\.example\.org/);
  });

  it('a client trusting the certificate verifies it for the domain and a subdomain, not another domain', async () => {
    assert.deepEqual(await handshake(first, 'example.org'), { authorized: true });
    assert.deepEqual(await handshake(first, 'conference.example.org'), { authorized: true });
    assert.equal((await handshake(first, 'example.net')).error, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('loads existing files instead of regenerating', async () => {
    const again = await ensureSelfSigned('example.org', join(dir, 'certs'));
    assert.equal(again.generated, false);
    assert.equal(again.certPem, first.certPem);
    assert.equal(again.keyPem, first.keyPem);
  });

  it('concurrent calls for one domain share a single generation', async () => {
    const sub = join(dir, 'concurrent');
    const [a, b] = await Promise.all([ensureSelfSigned('example.com', sub), ensureSelfSigned('example.com', sub)]);
    assert.equal(a.certPem, b.certPem);
    assert.equal(a.keyPem, b.keyPem);
    assert.ok(new X509Certificate(a.certPem).checkPrivateKey(createPrivateKey(a.keyPem)));
  });

  it('an internationalised domain uses A-labels for DNS names and files, UTF-8 in xmppAddr', async () => {
    const r = await ensureSelfSigned('münchen.example', join(dir, 'idn'));
    assert.equal(r.certFile, join(dir, 'idn', 'xn--mnchen-3ya.example.crt'));
    const san = new X509Certificate(r.certPem).subjectAltName ?? '';
    assert.match(san, /^DNS:xn--mnchen-3ya\.example, DNS:\*\.xn--mnchen-3ya\.example, othername:XmppAddr:münchen\.example, /);
    assert.match(san, /SRVName:_xmpp-client\.xn--mnchen-3ya\.example/);
  });

  it('an IP literal gets an iPAddress entry and no wildcard or SRVName', async () => {
    const r = await ensureSelfSigned('127.0.0.1', join(dir, 'ip'));
    assert.equal(new X509Certificate(r.certPem).subjectAltName, 'IP Address:127.0.0.1, othername:XmppAddr:127.0.0.1');
  });

  it('refuses a domain that is not a host name (it becomes a file name)', async () => {
    for (const bad of ['../evil', 'a/b', '', 'exa mple.org', '-x.org']) {
      await assert.rejects(ensureSelfSigned(bad, join(dir, 'bad')), /not a valid domain name/, bad);
    }
  });

  it('stops with an error naming both files when only one of the pair exists', async () => {
    const sub = join(dir, 'half');
    await ensureSelfSigned('half.example', sub);
    await rm(join(sub, 'half.example.crt'));
    await assert.rejects(ensureSelfSigned('half.example', sub), (err: Error) => {
      assert.ok(err.message.includes(join(sub, 'half.example.key')) && err.message.includes(join(sub, 'half.example.crt')));
      return true;
    });
  });

  describe('loadHostCert', () => {
    it('loads a matching pair', async () => {
      const cert = await loadHostCert('example.org', first.certFile, first.keyFile);
      assert.deepEqual(cert, { domain: 'example.org', certPem: first.certPem, keyPem: first.keyPem });
    });

    it('a key that does not match the certificate is refused, naming both files', async () => {
      const other = await ensureSelfSigned('example.com', join(dir, 'concurrent'));
      await assert.rejects(loadHostCert('example.org', first.certFile, other.keyFile), (err: Error) => {
        assert.match(err.message, /does not match/);
        assert.ok(err.message.includes(first.certFile) && err.message.includes(other.keyFile) && err.message.includes('example.org'));
        return true;
      });
    });

    it('a missing file or invalid PEM is refused, naming the file and the domain', async () => {
      const missing = join(dir, 'nope.crt');
      await assert.rejects(loadHostCert('example.org', missing, first.keyFile), new RegExp(`${escape(missing)} for example\\.org: ENOENT`));
      const junk = join(dir, 'junk.crt');
      await writeFile(junk, 'not a certificate');
      await assert.rejects(loadHostCert('example.org', junk, first.keyFile), new RegExp(`${escape(junk)} for example\\.org holds no PEM certificate`));
      const junkKey = join(dir, 'junk.key');
      await writeFile(junkKey, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
      await assert.rejects(loadHostCert('example.org', first.certFile, junkKey), new RegExp(`${escape(junkKey)} for example\\.org is not a valid PEM private key`));
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
