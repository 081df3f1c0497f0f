// The certificate of each host at start and reload: the PEM files an admin configured, checked
// (a file that cannot be used stops the start as a configuration problem; one clients will
// refuse, or soon, is a warning), or a self-signed pair generated on first start.
import { X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from '../config/types.js';
import { certificateWarnings } from '../net/cert-check.js';
import { ensureSelfSigned } from '../net/certs.js';
import { loadHostCert } from '../net/pem.js';
import type { HostCert } from '../net/tls.js';
import type { Logger } from '../util/log.js';
import { StartupError } from './startup-error.js';

/**
 * Each host's certificate: the configured PEM files, or a generated self-signed one. Files that
 * cannot be used are a configuration problem (StartupError); one that clients will refuse, or
 * soon, is logged as a warning.
 */
export async function loadCerts(config: Config, log: Logger): Promise<HostCert[]> {
  const certs: HostCert[] = [];
  for (const [name, h] of Object.entries(config.hosts)) {
    if (h.tls.cert && h.tls.key) {
      const cert = await loadConfiguredCert(name, h.tls.cert, h.tls.key);
      for (const warning of cert.warnings) log.warn(warning, { domain: name, certFile: resolve(h.tls.cert) });
      certs.push(cert.cert);
    } else {
      const c = await ensureSelfSigned(name, join(resolve(config.data_dir), 'certs'), log);
      certs.push({ domain: name, certPem: c.certPem, keyPem: c.keyPem });
    }
  }
  return certs;
}

/** A configured certificate and key, checked; what is wrong with them is a StartupError. */
export async function loadConfiguredCert(domain: string, certFile: string, keyFile: string): Promise<{ cert: HostCert; warnings: string[] }> {
  try {
    const cert = await loadHostCert(domain, resolve(certFile), resolve(keyFile));
    return { cert, warnings: certificateWarnings(domain, new X509Certificate(cert.certPem), Date.now()) };
  } catch (err) {
    throw new StartupError([`hosts.${domain}.tls: ${(err as Error).message}`]);
  }
}
