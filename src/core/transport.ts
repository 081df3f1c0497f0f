// What a stream needs from the connection under it. net/ implements it for TCP and TLS sockets;
// WebSocket (RFC 7395) will implement it too. Only net/ touches sockets.
export type ChannelBindingType = 'tls-exporter' | 'tls-server-end-point';

export interface Transport {
  readonly remoteAddress: string;
  /** TLS is in place (direct TLS or after STARTTLS). */
  readonly secure: boolean;
  /** STARTTLS can still be negotiated on this transport. */
  readonly canStartTls: boolean;
  /** Set by the stream: called with each chunk read. */
  onData: (chunk: Buffer) => void;
  /** Set by the stream: called once when the transport is gone (reason for logs). */
  onClose: (reason: string) => void;
  /**
   * Queues data. The first write of an event-loop turn goes out once the task at hand is done;
   * later ones in that turn are coalesced and go out at its end.
   */
  write(data: string): void;
  /** Writes what is queued now (used before a TLS upgrade). */
  flush(): void;
  /** Upgrades to TLS in place (RFC 6120 §5.4.3.3); resolves when the handshake is done. */
  startTls(): Promise<void>;
  /** Channel-binding data available on this transport (RFC 9266, RFC 5929). */
  channelBindings(): Partial<Record<ChannelBindingType, () => Buffer>>;
  /** Flushes, half-closes, and destroys after a grace period if the peer does not close. */
  end(): void;
  /** Stops and restarts reading (backpressure, rate limits). */
  pause(): void;
  resume(): void;
  /**
   * Bytes that may wait to be sent before the connection is dropped as a client that does not
   * read (limits.max_unsent_bytes). Reading pauses well before, until what waits is sent.
   */
  maxUnsentBytes: number;
  /** Drops the connection now. */
  destroy(): void;
  /** Milliseconds since the epoch of the last read and write. */
  readonly lastRead: number;
  readonly lastWrite: number;
}
