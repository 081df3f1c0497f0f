// Self-signed certificate for a host that has none configured (development, first start).
// RFC 6120 §13.7.1.4 (XMPP identities in certificates: id-on-xmppAddr), RFC 4985 (SRVName),
// RFC 5280 §4.2 (extensions), RFC 6125 (DNS-ID, wildcards).
//
// The RSA key comes from node:crypto's async generateKeyPair (thread pool, ~150 ms) and the
// TBSCertificate is signed with node:crypto's async sign, so the event loop is never blocked by
// an RSA private-key operation. node-forge only lays out the X.509 structure; it cannot encode
// otherName through `altNames`, so the subjectAltName value is built as raw ASN.1 here.
import { X509Certificate, createHash, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { Logger } from '../util/log.js';
import { loadHostCert } from './pem.js';

const { asn1, pki } = forge;
/** Present in node-forge 1.4.3 but missing from @types/node-forge. */
const untyped = forge as unknown as {
  pki: { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };
  util: { bytesFromIP(ip: string): string | null };
};

const OID_XMPP_ADDR = '1.3.6.1.5.5.7.8.5'; // id-on-xmppAddr, RFC 6120 §13.7.1.4
const OID_SRV_NAME = '1.3.6.1.5.5.7.8.7'; // id-on-dnsSRV, RFC 4985 §2
const VALIDITY_DAYS = 365;
const CLOCK_SKEW_MS = 5 * 60_000; // notBefore slightly in the past for peers whose clock lags

export interface SelfSignedResult {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
  /** true when the files were created by this call, false when existing files were loaded. */
  generated: boolean;
}

const generateKeyPairAsync = promisify(generateKeyPair);
const signAsync = promisify(sign);

/** One generation per file pair at a time inside this process (two listeners, one host). */
const inFlight = new Map<string, Promise<SelfSignedResult>>();

/**
 * Returns `<dir>/<domain>.crt` and `<dir>/<domain>.key`, creating a self-signed pair when neither
 * exists. If only one of the two exists, it stops with an error rather than overwrite a key or
 * certificate an admin may have put there.
 */
export async function ensureSelfSigned(domain: string, dir: string, log?: Logger): Promise<SelfSignedResult> {
  const names = certNames(domain);
  const certFile = join(dir, `${names.ascii}.crt`);
  const keyFile = join(dir, `${names.ascii}.key`);
  const flightKey = resolve(certFile);
  const pending = inFlight.get(flightKey);
  if (pending) return pending;
  const job = loadOrCreate(domain, names, dir, certFile, keyFile, log);
  inFlight.set(flightKey, job);
  try {
    return await job;
  } finally {
    inFlight.delete(flightKey);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`cannot access ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function loadOrCreate(
  domain: string, names: CertNames, dir: string, certFile: string, keyFile: string, log?: Logger,
): Promise<SelfSignedResult> {
  const [haveCert, haveKey] = await Promise.all([exists(certFile), exists(keyFile)]);
  if (haveCert && haveKey) {
    const { certPem, keyPem } = await loadHostCert(domain, certFile, keyFile);
    const validTo = new Date(new X509Certificate(certPem).validTo);
    if (validTo.getTime() < Date.now()) {
      // Never replaced automatically: the file may be the admin's. Removing both files regenerates.
      log?.warn('certificate has expired', { domain, certFile, notAfter: validTo.toISOString() });
    } else {
      log?.debug('loaded certificate', { domain, certFile, notAfter: validTo.toISOString() });
    }
    return { certPem, keyPem, certFile, keyFile, generated: false };
  }
  if (haveCert || haveKey) {
    const [found, missing] = haveCert ? [certFile, keyFile] : [keyFile, certFile];
    throw new Error(`found ${found} but not ${missing} for ${domain}: supply the missing file, or remove ${found} to have a self-signed pair generated`);
  }

  const { certPem, keyPem, fingerprint, notAfter } = await createSelfSigned(names);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Write to temporary names and rename, so a crash never leaves a truncated file behind.
  const tmp = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(keyFile + tmp, keyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(certFile + tmp, certPem, { mode: 0o644, flag: 'wx' });
    await rename(keyFile + tmp, keyFile);
    await rename(certFile + tmp, certFile);
  } catch (err) {
    await Promise.all([rm(keyFile + tmp, { force: true }), rm(certFile + tmp, { force: true })]);
    throw new Error(`cannot write self-signed certificate for ${domain} to ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  log?.info('generated a self-signed certificate; clients will not trust it without manual approval', {
    domain, certFile, keyFile, sha256: fingerprint, notAfter: notAfter.toISOString(),
  });
  return { certPem, keyPem, certFile, keyFile, generated: true };
}

export interface CertNames {
  /** As configured: goes into id-on-xmppAddr (UTF8String). */
  xmpp: string;
  /** A-label form, lower case: CN, dNSName, SRVName, file names. */
  ascii: string;
  /** Set when the domain is an IP literal (no wildcard, no SRVName then). */
  ip?: string;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** Validates the domain before it becomes part of a file name or a certificate. */
export function certNames(domain: string): CertNames {
  const bare = domain.startsWith('[') && domain.endsWith(']') ? domain.slice(1, -1) : domain;
  if (isIP(bare)) return { xmpp: domain, ascii: bare.toLowerCase(), ip: bare };
  const ascii = /[/\\\0]/.test(domain) ? '' : domainToASCII(domain).toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(ascii)) {
    throw new Error(`cannot create a certificate for "${domain}": not a valid domain name`);
  }
  return { xmpp: domain.replace(/\.$/, ''), ascii };
}

async function createSelfSigned(names: CertNames): Promise<{ certPem: string; keyPem: string; fingerprint: string; notAfter: Date }> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = randomSerial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now + VALIDITY_DAYS * 86_400_000);
  // ub-common-name is 64 (RFC 5280 Appendix A); a longer name lives in the SAN only.
  const subject = names.ascii.length <= 64 ? [{ shortName: 'CN', value: names.ascii }] : [];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectKeyIdentifier' },
    // RFC 5280 §4.2.1.6: the SAN must be critical when the subject is empty.
    { id: '2.5.29.17', critical: subject.length === 0, value: subjectAltName(names) },
  ]);
  const pem = await signCertificate(cert, privateKey);
  const der = Buffer.from(asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    certPem: pem,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    notAfter: cert.validity.notAfter,
  };
}

/** 16 random bytes, positive (top bit clear) and minimally encoded (first byte non-zero). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** Does what forge's `cert.sign` does, but signs on the thread pool via node:crypto. */
async function signCertificate(cert: forge.pki.Certificate, key: KeyObject): Promise<string> {
  cert.signatureOid = cert.siginfo.algorithmOid = pki.oids['sha256WithRSAEncryption']!;
  cert.tbsCertificate = untyped.pki.getTBSCertificate(cert);
  const tbs = Buffer.from(asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  const signature = await signAsync('sha256', tbs, key);
  cert.signature = signature.toString('binary');
  return pki.certificateToPem(cert);
}

const tagged = (tag: number, constructed: boolean, value: string | forge.asn1.Asn1[]): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, constructed, value);

/** GeneralName otherName: [0] { type-id OID, [0] EXPLICIT value } (RFC 5280 §4.2.1.6). */
function otherName(oid: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return tagged(0, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
    tagged(0, true, [value]),
  ]);
}

/** SubjectAltName ::= GeneralNames (SEQUENCE OF GeneralName). */
function subjectAltName(names: CertNames): forge.asn1.Asn1 {
  const utf8 = (s: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, forge.util.encodeUtf8(s));
  const ia5 = (s: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.IA5STRING, false, s);
  const list: forge.asn1.Asn1[] = [];
  if (names.ip) {
    list.push(tagged(7, false, untyped.util.bytesFromIP(names.ip) ?? '')); // iPAddress
  } else {
    list.push(tagged(2, false, names.ascii), tagged(2, false, `*.${names.ascii}`)); // dNSName
  }
  list.push(otherName(OID_XMPP_ADDR, utf8(names.xmpp)));
  if (!names.ip) {
    list.push(otherName(OID_SRV_NAME, ia5(`_xmpp-client.${names.ascii}`)));
    list.push(otherName(OID_SRV_NAME, ia5(`_xmpp-server.${names.ascii}`)));
  }
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, list);
}
