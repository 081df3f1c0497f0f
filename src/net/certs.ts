// Self-signed certificate for a host that has none configured (development, first start).
// RFC 6120 §13.7.1.4 (XMPP identities in certificates: id-on-xmppAddr), RFC 4985 (SRVName),
// RFC 5280 §4.2 (extensions), RFC 6125 (DNS-ID, wildcards).
//
// The RSA key comes from node:crypto's async generateKeyPair (thread pool, ~150 ms) and the
// TBSCertificate is signed with node:crypto's async sign, so the event loop is never blocked by
// an RSA private-key operation. node-forge only lays out the X.509 structure; it cannot encode
// otherName through `altNames`, so the subjectAltName value is built as raw ASN.1 here.
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import type { Logger } from '../util/log.js';
import { ipVersion } from '../xmpp/ip.js';
import { loadHostCert } from './pem.js';


export interface SelfSignedResult {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
  /** true when the files were created by this call, false when existing files were loaded. */
  generated: boolean;
}


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

  const { createSelfSigned } = await import('./x509.js');
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
  if (ipVersion(bare)) return { xmpp: domain, ascii: bare.toLowerCase(), ip: bare };
  const ascii = /[/\\\0]/.test(domain) ? '' : domainToASCII(domain).toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(ascii)) {
    throw new Error(`cannot create a certificate for "${domain}": not a valid domain name`);
  }
  return { xmpp: domain.replace(/\.$/, ''), ascii };
}

