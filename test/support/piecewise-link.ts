// A duplex stream over a TCP socket whose first write goes out in two pieces, some time apart:
// a TLS client on top of it sends its ClientHello the way a slow link might deliver it.
import type net from 'node:net';
import { Duplex } from 'node:stream';

export class PiecewiseLink extends Duplex {
  private first = true;

  constructor(private readonly inner: net.Socket, private readonly firstPiece = 5, private readonly delayMs = 50) {
    super();
    inner.on('data', (chunk: Buffer) => this.push(chunk));
    inner.on('end', () => this.push(null));
    inner.on('close', () => this.destroy());
    inner.on('error', (err) => this.destroy(err));
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.first || chunk.length <= this.firstPiece) {
      this.inner.write(chunk, cb);
      return;
    }
    this.first = false;
    this.inner.write(chunk.subarray(0, this.firstPiece));
    setTimeout(() => this.inner.write(chunk.subarray(this.firstPiece), cb), this.delayMs);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }
}
