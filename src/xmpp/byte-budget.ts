// The byte accounting behind the stream parser's size limits (RFC 6120 §13.12): input is handed to
// the tokenizer in slices of at most one code unit more than the bytes left in the budget, and
// the UTF-8 bytes of each slice are counted up to any tokenizer position, so a limit is enforced
// at the byte where it is passed, whatever the tokenizer holds and however the input was chunked.
export class ByteBudget {
  /** Bytes counted since the last boundary (the parser resets it at stanza boundaries). */
  count = 0;
  /** UTF-16 code units handed to the current tokenizer (its `position` space). */
  private fed = 0;
  // The slice being fed: its text, the tokenizer position of its first character, and the position
  // up to which its bytes have been counted.
  private slice = '';
  private sliceBase = 0;
  private accounted = 0;

  reset(): void {
    this.count = 0;
    this.fed = 0;
    this.slice = '';
    this.sliceBase = 0;
    this.accounted = 0;
  }

  /**
   * The next slice of `text` from index `from`, for a budget of `limit` bytes: a UTF-16 code unit
   * is at least one byte, so (bytes left + 1) units either fit or are seen to pass the limit once
   * fed, and the tokenizer never holds much more than the limit however large the chunk.
   */
  take(text: string, from: number, limit: number): string {
    let end = Math.min(text.length, from + Math.max(limit - this.count, 0) + 1);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++; // keep surrogate pairs whole
    this.slice = from === 0 && end === text.length ? text : text.slice(from, end);
    this.sliceBase = this.fed;
    this.accounted = this.fed;
    this.fed += this.slice.length;
    return this.slice;
  }

  /** Counts the bytes of the current slice up to tokenizer position `pos` (all of it by default). */
  mark(pos = this.fed): void {
    const from = this.accounted - this.sliceBase;
    const to = Math.min(Math.max(pos - this.sliceBase, from), this.slice.length);
    if (to > from) {
      const part = from === 0 && to === this.slice.length ? this.slice : this.slice.slice(from, to);
      this.count += Buffer.byteLength(part, 'utf8');
    }
    this.accounted = this.sliceBase + to;
  }

  /** The slice has been counted: do not keep the input alive between writes. */
  done(): void {
    this.slice = '';
  }
}
