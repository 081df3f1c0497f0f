// Strict, streaming UTF-8 decoding of the bytes of a stream (RFC 6120 §11.6): a chunk may end
// inside a multi-byte character, and invalid UTF-8 is reported rather than turned into U+FFFD.
// When a chunk holds invalid bytes, the text before them is still returned, so that what the
// parser sees before the error does not depend on where the network cut the input.
import { TextDecoder } from 'node:util';

export interface Decoded {
  /** The characters decoded (before the first invalid byte, when there is one). */
  text: string;
  /** Invalid UTF-8 follows `text`; nothing more can be decoded. */
  invalid: boolean;
}

const FATAL = { fatal: true } as const;

export class Utf8Input {
  private readonly decoder = new TextDecoder('utf-8', FATAL);
  /** The last (up to) three bytes received: a character split before an invalid chunk. */
  private recent = Buffer.alloc(0);

  decode(chunk: Buffer): Decoded {
    const before = this.recent;
    this.recent = chunk.length >= 3 ? Buffer.from(chunk.subarray(chunk.length - 3)) : Buffer.concat([before, chunk]).subarray(-3);
    try {
      return { text: this.decoder.decode(chunk, { stream: true }), invalid: false };
    } catch {
      const held = before.subarray(before.length - incompleteTail(before));
      return { text: validPrefix(held.length > 0 ? Buffer.concat([held, chunk]) : chunk), invalid: true };
    }
  }
}

/** Bytes at the end of `bytes` (all valid UTF-8) that start a character not yet complete. */
function incompleteTail(bytes: Buffer): number {
  for (let i = 1; i <= bytes.length; i++) {
    const b = bytes[bytes.length - i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > i ? i : 0;
  }
  return 0;
}

/** The text of the longest prefix of `bytes` without invalid UTF-8 (the error path only). */
function validPrefix(bytes: Buffer): string {
  const decode = (n: number): string | undefined => {
    try {
      return new TextDecoder('utf-8', FATAL).decode(bytes.subarray(0, n), { stream: true });
    } catch {
      return undefined;
    }
  };
  // Validity of a prefix is monotonic (a valid prefix has only valid prefixes): binary search.
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (decode(mid) !== undefined) lo = mid;
    else hi = mid - 1;
  }
  return decode(lo) ?? '';
}
