// What the server's periodic tick does to each client stream: the negotiation and idle timeouts
// (limits.unauthenticated_timeout, limits.idle_timeout) and whitespace keepalives.
import { StreamError } from '../../xmpp/errors.js';
import type { C2sStream } from './stream.js';

export function tickStream(stream: C2sStream, now: number): void {
  if (stream.ended) return;
  const l = stream.ctx.config.limits;
  if (!stream.session && now - stream.startedAt > l.unauthenticated_timeout * 1000) {
    return stream.close(new StreamError('connection-timeout', 'negotiation took too long'));
  }
  if (l.idle_timeout > 0 && now - stream.transport.lastRead > l.idle_timeout * 1000) {
    return stream.close(new StreamError('connection-timeout', 'idle for too long'));
  }
  // RFC 6120 §4.6.1: whitespace keepalive on a quiet stream.
  if (stream.session && l.keepalive_interval > 0 && now - stream.transport.lastWrite > l.keepalive_interval * 1000) {
    stream.transport.write(' ');
  }
}
