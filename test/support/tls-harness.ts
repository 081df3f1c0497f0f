// A loopback TLS server for the TlsContexts tests (src/net/tls.ts), made as the listeners make
// theirs, and the self-signed certificates of example.org and example.net that they serve.
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { ensureSelfSigned } from '../../src/net/certs.js';
import type { HostCert, TlsContexts } from '../../src/net/tls.js';

/** A loopback TLS server as the listeners make one: TCP, then `new TLSSocket` on each socket. */
export class Harness {
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

/** The CN of the certificate the other end showed. */
export const cn = (s: tls.TLSSocket): string | undefined => s.getPeerCertificate().subject?.CN as string | undefined;

export interface HostCerts {
  /** The temporary folder of the certificates (removed after the describe). */
  readonly dir: string;
  readonly org: HostCert;
  readonly netCert: HostCert;
}

/** Self-signed certificates of example.org and example.net for the enclosing describe. */
export function hostCerts(): HostCerts {
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

  return {
    get dir() {
      return dir;
    },
    get org() {
      return org;
    },
    get netCert() {
      return netCert;
    },
  };
}
