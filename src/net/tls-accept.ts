// The server side of TLS on an accepted TCP socket: STARTTLS (RFC 6120 §5.4) and direct TLS
// (XEP-0368) both wrap the socket the same way, once the client's ClientHello has arrived.
//
// Why wait for it: Node's TLS socket keeps an input buffer for its whole life whose size is
// fixed by the first read it is handed. Wrapping an idle TCP socket makes that the TCP handle's
// read size, 64 KiB per connection. Bytes already buffered in the TCP socket are handed over as
// the first read instead, so the buffer is the size of the ClientHello (1 KiB or more), and it
// grows only when a client sends a larger burst.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { TlsContexts } from './tls.js';

/**
 * Stops reading `socket` and waits until it holds unread bytes (the ClientHello); false when the
 * connection ends first. The bytes stay in the socket for the TLS socket to take over.
 */
export function clientHello(socket: Socket): Promise<boolean> {
  socket.pause();
  if (socket.readableLength > 0) return Promise.resolve(true);
  if (socket.destroyed || socket.readableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('readable', done);
      socket.off('close', done);
      resolve(socket.readableLength > 0 && !socket.destroyed);
    };
    socket.on('readable', done);
    socket.on('close', done);
  });
}

/**
 * The server side of TLS over `socket`, with the current certificates (SNI included). Direct TLS
 * negotiates ALPN 'xmpp-client' (XEP-0368); STARTTLS negotiates none: it is already inside an
 * XMPP stream, and a client library that offers its own defaults (h2, http/1.1) there must not
 * be refused for it (RFC 7301 §3.2 refuses only where the server does ALPN).
 */
export function wrapTls(socket: Socket, tls: TlsContexts, kind: 'direct' | 'starttls'): TLSSocket {
  return new TLSSocket(socket, tls.socketOptions(kind === 'direct' ? DIRECT_ALPN : NO_ALPN));
}

const DIRECT_ALPN = ['xmpp-client'];
const NO_ALPN: string[] = [];

/**
 * Direct TLS on a socket just accepted: the ClientHello and the whole handshake must come within
 * `timeoutMs`. The secure socket, or undefined once the socket is destroyed (the client went
 * away, the handshake failed or took too long; `failed` hears why, unless the client just left).
 */
export async function acceptTls(socket: Socket, tls: TlsContexts, timeoutMs: number, failed: (err: Error) => void): Promise<TLSSocket | undefined> {
  let current: Socket = socket;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    current.destroy();
  }, timeoutMs);
  // Before the wrap an error (a reset) only matters as the end of the connection.
  const ignore = (): void => {};
  socket.on('error', ignore);
  try {
    if (!(await clientHello(socket)) || timedOut) {
      socket.destroy();
      if (timedOut) failed(new Error('TLS handshake timeout'));
      return undefined;
    }
    const secure = wrapTls(socket, tls, 'direct');
    current = secure;
    const error = await new Promise<Error | undefined>((resolve) => {
      const finish = (err: Error | undefined): void => {
        secure.off('secure', onSecure);
        secure.off('error', onError);
        secure.off('close', onClose);
        resolve(err);
      };
      const onSecure = (): void => finish(undefined);
      const onError = (err: Error): void => finish(err);
      const onClose = (): void => finish(new Error(timedOut ? 'TLS handshake timeout' : 'connection closed during the TLS handshake'));
      secure.on('secure', onSecure);
      secure.on('error', onError);
      secure.on('close', onClose);
    });
    if (error) {
      secure.destroy();
      failed(error);
      return undefined;
    }
    return secure;
  } finally {
    clearTimeout(timer);
    socket.off('error', ignore);
  }
}
