// The c2s listeners: plain TCP with STARTTLS (RFC 6120, default port 5222) and direct TLS
// (XEP-0368, default 5223). Each configured address gets its own server socket.
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import type { Logger } from '../util/log.js';
import type { ListenerConfig } from '../config/types.js';
import { Connection } from './connection.js';
import { acceptTls } from './tls-accept.js';
import type { TlsContexts } from './tls.js';

export interface ListenerHandle {
  readonly kind: 'c2s' | 'c2s_direct_tls';
  readonly address: AddressInfo;
  close(): Promise<void>;
}

export class ListenError extends Error {}

/** A direct-TLS handshake must finish within this, so half-open handshakes cannot pile up. */
const TLS_HANDSHAKE_TIMEOUT_MS = 15_000;

function listen(server: Server, port: number, address: string, all: string[]): Promise<AddressInfo> {
  // With both '0.0.0.0' and '::' listed, '::' must not also claim IPv4 (EADDRINUSE on Linux).
  const ipv6Only = address === '::' && all.includes('0.0.0.0');
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new ListenError(`cannot listen on ${address}:${port}: ${why}`));
    };
    server.once('error', onError);
    server.listen({ port, host: address, backlog: 1024, ipv6Only }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function handle(kind: ListenerHandle['kind'], server: Server, address: AddressInfo): ListenerHandle {
  return {
    kind,
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Direct-TLS handshakes under way, counted per address: a connection becomes a stream (which
 * counts against limits.max_connections_per_address) only once its handshake is done, up to
 * 15 s later, so without this one address could hold any number of sockets meanwhile.
 */
export interface HandshakeGate {
  /** Counts a handshake from `address`; false when it has too many under way (then refused). */
  begin(address: string): boolean;
  end(address: string): void;
}

export async function startC2sListeners(
  cfg: { c2s: ListenerConfig; c2s_direct_tls: ListenerConfig },
  tls: TlsContexts,
  accept: (conn: Connection) => void,
  log: Logger,
  handshakes: HandshakeGate = { begin: () => true, end: () => undefined },
): Promise<ListenerHandle[]> {
  const handles: ListenerHandle[] = [];
  try {
    if (cfg.c2s.enabled) {
      for (const addr of cfg.c2s.addresses) {
        const server = createTcpServer({ noDelay: true }, (socket) => accept(new Connection(socket, tls, false)));
        const address = await listen(server, cfg.c2s.port, addr, cfg.c2s.addresses);
        handles.push(handle('c2s', server, address));
        log.info('listening', { kind: 'c2s', address: address.address, port: address.port });
      }
    }
    if (cfg.c2s_direct_tls.enabled) {
      for (const addr of cfg.c2s_direct_tls.addresses) {
        // TLS is set up here rather than by a tls.Server, which would wrap each socket before the
        // client's first bytes and so give it a 64 KiB input buffer (see tls-accept.ts). Each
        // connection takes the current certificates, so a reload needs nothing from the listener.
        const failed = (err: Error): void => log.debug('TLS handshake failed', { err: err.message });
        const server = createTcpServer({ noDelay: true }, (socket) => {
          const from = socket.remoteAddress ?? 'unknown';
          if (!handshakes.begin(from)) {
            socket.destroy();
            return;
          }
          const handshake = acceptTls(socket, tls, TLS_HANDSHAKE_TIMEOUT_MS, failed).catch((err: unknown) => {
            failed(err instanceof Error ? err : new Error(String(err)));
            socket.destroy();
            return undefined;
          });
          void handshake.then((secure) => {
            handshakes.end(from);
            if (secure) accept(new Connection(secure, tls, true));
          });
        });
        const address = await listen(server, cfg.c2s_direct_tls.port, addr, cfg.c2s_direct_tls.addresses);
        handles.push(handle('c2s_direct_tls', server, address));
        log.info('listening', { kind: 'c2s_direct_tls', address: address.address, port: address.port });
      }
    }
  } catch (err) {
    await Promise.all(handles.map((h) => h.close()));
    throw err;
  }
  return handles;
}
