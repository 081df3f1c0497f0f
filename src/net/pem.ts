// Loading an admin-supplied certificate and key (PEM) for one host.
// Every failure names the domain and the file so that a bad path or a swapped key stops the
// server at start with a message the admin can act on. Key material never appears in errors.
import { readFile } from 'node:fs/promises';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { HostCert } from './tls.js';

function reason(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}

async function readText(file: string, what: string, domain: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} file ${file} for ${domain}: ${reason(err)}`);
  }
}

/** Parses the first certificate of a PEM bundle; throws naming the domain and file. */
export function parseCertPem(certPem: string, domain: string, certFile = 'certificate'): X509Certificate {
  if (!certPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${certFile} for ${domain} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  }
  try {
    return new X509Certificate(certPem);
  } catch (err) {
    throw new Error(`${certFile} for ${domain} is not a valid PEM certificate: ${reason(err)}`);
  }
}

/** Parses a PEM private key; throws naming the domain and file. Encrypted keys are refused. */
export function parseKeyPem(keyPem: string, domain: string, keyFile = 'private key'): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(keyPem)) {
    throw new Error(`${keyFile} for ${domain} is encrypted; Starling needs an unencrypted key (protect it with file mode 0600)`);
  }
  try {
    return createPrivateKey(keyPem);
  } catch (err) {
    throw new Error(`${keyFile} for ${domain} is not a valid PEM private key: ${reason(err)}`);
  }
}

/** Checks that certificate and key are valid PEM and belong together; the leaf certificate. */
export function checkPair(cert: HostCert, certFile = 'certificate', keyFile = 'private key'): X509Certificate {
  const x509 = parseCertPem(cert.certPem, cert.domain, certFile);
  const key = parseKeyPem(cert.keyPem, cert.domain, keyFile);
  if (!x509.checkPrivateKey(key)) {
    throw new Error(`${keyFile} does not match the certificate in ${certFile} for ${cert.domain}`);
  }
  return x509;
}

/**
 * Reads a host's certificate (chain) and key asynchronously and checks that the key matches the
 * leaf certificate.
 */
export async function loadHostCert(domain: string, certFile: string, keyFile: string): Promise<HostCert> {
  const [certPem, keyPem] = await Promise.all([
    readText(certFile, 'certificate', domain),
    readText(keyFile, 'private key', domain),
  ]);
  const cert: HostCert = { domain, certPem, keyPem };
  checkPair(cert, certFile, keyFile);
  return cert;
}
