// TLS server contexts per host (SNI, RFC 6066 §3) and the TLS channel bindings that SCRAM-PLUS
// needs: tls-server-end-point (RFC 5929 §4) and tls-exporter (RFC 9266).
//
// Policy, kept deliberately small:
// - TLS 1.2 is the floor (RFC 9325 §3.1.1); 'TLSv1.3' may be configured as the floor instead.
// - TLS 1.3 suites are Node's defaults with TLS_AES_128_GCM_SHA256 (the one every TLS 1.3
//   implementation must have, RFC 8446 §9.1) first: its SHA-256 handshake hashing costs less
//   than SHA-384's. TLS 1.2 is limited to ECDHE with AEAD (RFC 9325 §4.2), so
//   no DHE parameters are needed and every suite has forward secrecy. The server's order wins
//   (`honorCipherOrder`).
// - Renegotiation is switched off: it is a DoS lever and it leaves tls-exporter undefined.
// - Session resumption keeps Node's defaults (stateless tickets whose keys live in this process
//   only), so a restart merely costs clients one full handshake.
import { createHash, constants as cryptoConstants } from 'node:crypto';
import tls from 'node:tls';
import { checkPair } from './pem.js';

export interface HostCert {
  domain: string;
  /** Leaf certificate first, then any intermediates (all of it is served as the chain). */
  certPem: string;
  keyPem: string;
}

export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS12_SUITES = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
];
/** The cipher string given to OpenSSL (TLS 1.3 suites must be listed too, or 1.3 is disabled). */
export const TLS_CIPHERS = [...TLS13_SUITES, ...TLS12_SUITES].join(':');

const normalise = (domain: string): string => domain.toLowerCase().replace(/\.$/, '');

export class TlsContexts {
  readonly minVersion: TlsMinVersion;
  readonly defaultDomain: string;
  #contexts = new Map<string, tls.SecureContext>();
  /** Whether each context's certificate has a tls-server-end-point binding (see endPointHash). */
  #endPoints = new WeakMap<tls.SecureContext, boolean>();
  #defaultContext!: tls.SecureContext;
  /** socketOptions by ALPN list, for the current certificates (emptied by `replace`). */
  #socketOptions = new Map<string, tls.TLSSocketOptions>();

  constructor(opts: { minVersion: TlsMinVersion; certs: HostCert[]; defaultDomain: string }) {
    if (opts.minVersion !== 'TLSv1.2' && opts.minVersion !== 'TLSv1.3') {
      throw new Error(`TLS minimum version must be TLSv1.2 or TLSv1.3, not ${String(opts.minVersion)}`);
    }
    this.minVersion = opts.minVersion;
    this.defaultDomain = normalise(opts.defaultDomain);
    this.sni = this.sni.bind(this); // handed to node:tls unbound
    this.replace(opts.certs);
  }

  /** Domains that have their own certificate. */
  get domains(): string[] {
    return [...this.#contexts.keys()];
  }

  /**
   * Swaps in a new set of certificates (reload). All of them are checked first; on any error the
   * old set stays in force. Sockets created afterwards get it through `socketOptions`.
   */
  replace(certs: HostCert[]): void {
    const next = new Map<string, tls.SecureContext>();
    for (const cert of certs) {
      const domain = normalise(cert.domain);
      if (next.has(domain)) throw new Error(`two certificates configured for ${domain}`);
      next.set(domain, this.#createContext(cert));
    }
    if (!next.has(this.defaultDomain)) throw new Error(`no certificate for the default host ${this.defaultDomain}`);
    this.#contexts = next;
    this.#socketOptions.clear();
    this.#defaultContext = next.get(this.defaultDomain)!;
  }

  /** Exact match, then the parent domain (covered by its `*.parent` name), else the default host's. */
  contextFor(domain: string): tls.SecureContext {
    const name = normalise(domain);
    const exact = this.#contexts.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    if (dot > 0) {
      const parent = name.slice(dot + 1);
      const wildcard = this.#contexts.get(`*.${parent}`) ?? this.#contexts.get(parent);
      if (wildcard) return wildcard;
    }
    return this.#defaultContext;
  }

  /**
   * Whether a socket whose client asked for `servername` (SNI; false or undefined without) was
   * served a certificate with a tls-server-end-point binding. Known per certificate when it is
   * loaded, so offering the binding type costs no certificate parsing per connection.
   */
  endPointAvailable(servername: string | false | null | undefined): boolean {
    return this.#endPoints.get(servername ? this.contextFor(servername) : this.#defaultContext) === true;
  }

  /** SNICallback-compatible (bound; may be passed around on its own). */
  sni(servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void {
    cb(null, this.contextFor(servername));
  }

  /**
   * Options for the server side of `new tls.TLSSocket(socket, options)` on an accepted socket
   * (STARTTLS, direct TLS), made once per certificate set and shared by every socket. With one
   * certificate there is no SNI callback: it would only pick that certificate, and it pauses every
   * handshake for a round trip into JavaScript (1-2 % of the CPU of a STARTTLS login). An empty
   * `alpn` offers no ALPN; a client whose ALPN list shares nothing with a non-empty one is
   * refused (RFC 7301 §3.2).
   */
  socketOptions(alpn: string[]): tls.TLSSocketOptions {
    const key = alpn.join(',');
    let options = this.#socketOptions.get(key);
    if (!options) {
      options = { secureContext: this.#defaultContext, isServer: true };
      if (this.#contexts.size > 1) options.SNICallback = this.sni;
      if (alpn.length > 0) options.ALPNProtocols = [...alpn];
      this.#socketOptions.set(key, Object.freeze(options));
    }
    return options;
  }

  #policy(): tls.SecureContextOptions {
    return {
      minVersion: this.minVersion,
      ciphers: TLS_CIPHERS,
      honorCipherOrder: true,
      secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
    };
  }

  #createContext(cert: HostCert): tls.SecureContext {
    const leaf = checkPair(cert); // clear messages for bad PEM or a key from another certificate
    try {
      const context = tls.createSecureContext({ ...this.#policy(), cert: cert.certPem, key: cert.keyPem });
      this.#endPoints.set(context, endPointHash(leaf.raw) !== null);
      return context;
    } catch (err) {
      throw new Error(`cannot use the certificate for ${cert.domain}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Channel bindings

const EXPORTER_LABEL = 'EXPORTER-Channel-Binding';

/**
 * RFC 9266 tls-exporter: 32 bytes of exported keying material with an empty context. Only
 * defined when the master secret is unique to the connection (RFC 9266 §2): always with TLS 1.3,
 * with TLS 1.2 only when the extended master secret (RFC 7627) was negotiated. Undefined
 * otherwise, or before the handshake has finished.
 */
export function tlsExporter(socket: tls.TLSSocket): Buffer | undefined {
  const protocol = socket.getProtocol();
  if (protocol !== 'TLSv1.3' && !(protocol === 'TLSv1.2' && usedExtendedMasterSecret(socket))) return undefined;
  try {
    return socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0));
  } catch {
    return undefined;
  }
}

/**
 * Node exposes no "extended master secret" flag, but OpenSSL's serialised SSL_SESSION carries it:
 * field [13] `flags`, bit SSL_SESS_FLAG_EXTMS (1). Any surprise in that structure reads as "no".
 */
function usedExtendedMasterSecret(socket: tls.TLSSocket): boolean {
  const session = socket.getSession();
  if (!session) return false;
  try {
    const outer = readTlv(session, 0);
    for (let pos = outer.start; pos < outer.end;) {
      const field = readTlv(session, pos);
      if (field.tag === 0xad) {
        const flags = readTlv(session, field.start);
        return flags.tag === 0x02 && flags.end > flags.start && (session[flags.end - 1]! & 1) === 1;
      }
      pos = field.end;
    }
  } catch {
    // fall through
  }
  return false;
}

/**
 * RFC 5929 §4.1 tls-server-end-point: a hash of the server's certificate (DER). The hash is
 * SHA-256 when the certificate's signature uses MD5, SHA-1 or SHA-256, and otherwise the
 * signature's own hash; undefined when the signature has no single hash (Ed25519, Ed448) or no
 * certificate is known. `side` says whose socket this is: the server hashes its own certificate,
 * a client the peer's.
 */
export function tlsServerEndPoint(socket: tls.TLSSocket, side: 'server' | 'client' = 'server'): Buffer | undefined {
  const cert = (side === 'server' ? socket.getCertificate() : socket.getPeerCertificate()) as Partial<tls.PeerCertificate> | null;
  if (!cert || !Buffer.isBuffer(cert.raw)) return undefined;
  const key = cert.fingerprint256 || createHash('sha256').update(cert.raw).digest('hex');
  let hash = endPointHashCache.get(key);
  if (hash === undefined) {
    hash = endPointHash(cert.raw);
    if (endPointHashCache.size >= 256) endPointHashCache.clear();
    endPointHashCache.set(key, hash);
  }
  return hash ? createHash(hash).update(cert.raw).digest() : undefined;
}

/** Certificate fingerprint -> hash name (null: binding undefined for that certificate). */
const endPointHashCache = new Map<string, string | null>();

const SHA = '2.16.840.1.101.3.4.2.';
const HASH_OIDS: Record<string, string> = {
  '1.2.840.113549.2.5': 'sha256', '1.3.14.3.2.26': 'sha256', // MD5, SHA-1 -> SHA-256 (§4.1)
  [`${SHA}4`]: 'sha224', [`${SHA}1`]: 'sha256', [`${SHA}2`]: 'sha384', [`${SHA}3`]: 'sha512',
};
const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'sha256', '1.2.840.113549.1.1.5': 'sha256', // RSA with MD5, SHA-1
  '1.2.840.113549.1.1.14': 'sha224', '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha256', '1.2.840.10045.4.3.1': 'sha224', '1.2.840.10045.4.3.2': 'sha256', // ECDSA
  '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha256', '2.16.840.1.101.3.4.3.1': 'sha224', '2.16.840.1.101.3.4.3.2': 'sha256', // DSA
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/**
 * Reads Certificate.signatureAlgorithm (RFC 5280 §4.1.1.2) from DER and picks the hash.
 * Exported for tests.
 */
export function endPointHash(der: Buffer): string | null {
  try {
    const certificate = readTlv(der, 0);
    const tbs = readTlv(der, certificate.start);
    const algorithm = readTlv(der, tbs.end);
    const oid = readTlv(der, algorithm.start);
    if (certificate.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06) return null;
    const name = decodeOid(der.subarray(oid.start, oid.end));
    if (name !== RSASSA_PSS) return SIGNATURE_OIDS[name] ?? null;
    // RSASSA-PSS-params (RFC 4055 §3.1): hashAlgorithm [0] EXPLICIT, DEFAULT sha1.
    if (oid.end >= algorithm.end) return 'sha256';
    const params = readTlv(der, oid.end);
    if (params.tag !== 0x30 || params.start >= params.end) return 'sha256';
    const first = readTlv(der, params.start);
    if (first.tag !== 0xa0) return 'sha256';
    const hashAlg = readTlv(der, first.start);
    const hashOid = readTlv(der, hashAlg.start);
    return hashOid.tag === 0x06 ? HASH_OIDS[decodeOid(der.subarray(hashOid.start, hashOid.end))] ?? null : null;
  } catch {
    return null;
  }
}

interface Tlv { tag: number; start: number; end: number }

/** One DER element at `pos`: its tag, and where its contents start and end. Throws if malformed. */
function readTlv(buf: Buffer, pos: number): Tlv {
  const tag = buf[pos];
  let len = buf[pos + 1];
  if (tag === undefined || len === undefined || (tag & 0x1f) === 0x1f) throw new Error('bad DER');
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, start, end };
}

function decodeOid(bytes: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}
