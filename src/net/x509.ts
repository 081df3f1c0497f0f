// Builds and signs the self-signed certificate (X.509 layout with node-forge, signature with
// async node:crypto). Loaded only when a certificate must be made, so a normal start does not
// pay for importing node-forge.
import { createHash, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { CertNames } from './certs.js';

const OID_XMPP_ADDR = '1.3.6.1.5.5.7.8.5'; // id-on-xmppAddr, RFC 6120 §13.7.1.4
const OID_SRV_NAME = '1.3.6.1.5.5.7.8.7'; // id-on-dnsSRV, RFC 4985 §2
const VALIDITY_DAYS = 365;
const CLOCK_SKEW_MS = 5 * 60_000; // notBefore slightly in the past for peers whose clock lags
const generateKeyPairAsync = promisify(generateKeyPair);
const signAsync = promisify(sign);
const { asn1, pki } = forge;
/** Present in node-forge 1.4.3 but missing from @types/node-forge. */
const untyped = forge as unknown as {
  pki: { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };
  util: { bytesFromIP(ip: string): string | null };
};

export async function createSelfSigned(names: CertNames): Promise<{ certPem: string; keyPem: string; fingerprint: string; notAfter: Date }> {
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
