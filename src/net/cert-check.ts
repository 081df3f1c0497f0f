// What an admin should hear about a host's certificate (configured or generated) before clients
// do: not valid yet, expired, about to expire, or not naming the host (RFC 6125 DNS-ID in the
// subjectAltName, as clients check it). Pure but for the clock it is given.
import type { X509Certificate } from 'node:crypto';

/** Expiry this close is worth a warning at every start and reload. */
const SOON_MS = 14 * 86_400_000;

export function certificateWarnings(domain: string, cert: X509Certificate, now: number): string[] {
  const out: string[] = [];
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const until = new Date(notAfter).toISOString();
  if (notAfter <= now) out.push(`the certificate for ${domain} expired on ${until}: clients will refuse it`);
  else if (notAfter - now <= SOON_MS) out.push(`the certificate for ${domain} expires on ${until}`);
  if (notBefore > now) out.push(`the certificate for ${domain} is not valid before ${new Date(notBefore).toISOString()}`);
  if (cert.checkHost(domain) === undefined) out.push(`the certificate for ${domain} does not name it (subjectAltName DNS names): clients will refuse it`);
  return out;
}
