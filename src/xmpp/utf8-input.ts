// Strict, streaming UTF-8 decoding of the bytes of a stream (RFC 6120 §11.6): a chunk may end
// inside a multi-byte character, and invalid UTF-8 is reported rather than turned into U+FFFD.
// When a chunk holds invalid bytes, the text before them is still returned, so that what the
// parser sees before the error does not depend on where the network cut the input.
//
// One of these lives as long as its stream, so it holds no decoder object (a streaming
// TextDecoder keeps a native converter of about 1 KB per instance): a chunk is checked with
// `isUtf8` and converted at once, and the bytes of a character cut by the end of a chunk (at
// most three) are kept as a number until the next chunk completes them.
import { Buffer, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

export interface Decoded {
  /** The characters decoded (before the first invalid byte, when there is one). */
  text: string;
  /** Invalid UTF-8 follows `text`; nothing more can be decoded. */
  invalid: boolean;
}

export class Utf8Input {
  /** The bytes of a character the last chunk ended inside, big-endian, and how many. */
  private held = 0;
  private heldCount = 0;

  decode(chunk: Buffer): Decoded {
    let bytes = chunk;
    if (this.heldCount > 0) {
      const prefix = Buffer.allocUnsafe(this.heldCount);
      for (let i = 0; i < this.heldCount; i++) prefix[i] = (this.held >>> (8 * (this.heldCount - 1 - i))) & 0xff;
      bytes = Buffer.concat([prefix, chunk]);
      this.held = 0;
      this.heldCount = 0;
    }
    const tail = incompleteTail(bytes);
    const end = bytes.length - tail;
    if (tail === 0 ? isUtf8(bytes) : isUtf8(bytes.subarray(0, end)) && validStart(bytes, end)) {
      for (let i = end; i < bytes.length; i++) this.held = (this.held << 8) | bytes[i]!;
      this.heldCount = tail;
      return { text: bytes.toString('utf8', 0, end), invalid: false };
    }
    return { text: validPrefix(bytes), invalid: true };
  }
}

/**
 * How many bytes at the end of `bytes` begin a character that is not complete yet: a lead byte
 * followed by fewer continuation bytes than it announces. 0 when the last character is
 * complete, or when the end is not the start of a character at all (which the validity check
 * then reports).
 */
function incompleteTail(bytes: Buffer): number {
  const n = bytes.length;
  for (let i = 1; i <= 3 && i <= n; i++) {
    const b = bytes[n - i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > i ? i : 0;
  }
  return 0;
}

/**
 * Whether the bytes from `from` to the end (an incomplete character) can still become a valid
 * one: the lead byte exists and each byte so far is in the range UTF-8 allows at its place
 * (RFC 3629 §4), so that an impossible sequence is refused as soon as it is seen.
 */
function validStart(bytes: Buffer, from: number): boolean {
  const lead = bytes[from]!;
  if (lead < 0xc2 || lead > 0xf4) return false;
  for (let i = from + 1; i < bytes.length; i++) {
    let lo = 0x80;
    let hi = 0xbf;
    if (i === from + 1) {
      if (lead === 0xe0) lo = 0xa0; // no overlong three-byte forms
      else if (lead === 0xed) hi = 0x9f; // no surrogates
      else if (lead === 0xf0) lo = 0x90; // no overlong four-byte forms
      else if (lead === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    }
    const b = bytes[i]!;
    if (b < lo || b > hi) return false;
  }
  return true;
}

/** The text of the longest prefix of `bytes` without invalid UTF-8 (the error path only). */
function validPrefix(bytes: Buffer): string {
  const decode = (n: number): string | undefined => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
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
