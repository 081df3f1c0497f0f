// Character classes of XML 1.0 (fifth edition) for the stream tokenizer: Char (§2.2), S (§2.3),
// NameStartChar and NameChar (§2.3), and the five predefined entities (§4.6).

/** XML 1.0 S: space, tab, carriage return, line feed. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** ASCII name characters: 1 start and name, 2 name only, 0 neither. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) ASCII_NAME[c] = 1;
  else if (/[0-9.-]/.test(ch)) ASCII_NAME[c] = 2;
}

/** NameStartChar for a code point (a whole supplementary character for c > 0xFFFF). */
export function isNameStart(c: number): boolean {
  if (c < 128) return ASCII_NAME[c] === 1;
  return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff)
    || (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d
    || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff)
    || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}

/** NameChar for a code point. */
export function isNameChar(c: number): boolean {
  if (c < 128) return ASCII_NAME[c] !== 0;
  return isNameStart(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

/** XML 1.0 Char, for a character reference's code point. */
export function isXmlChar(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)
    || (c >= 0x10000 && c <= 0x10ffff);
}

/**
 * Where the XML name starting at `from` in `s` ends (the index of the first character that is
 * not part of it); `from` itself when no name starts there. With `continued`, the name began in
 * earlier input and `from` need not be a start character. A name may not end inside a surrogate
 * pair; `s.length` means the name may go on in later input.
 */
export function nameEnd(s: string, from: number, continued = false): number {
  const first = continued ? -1 : from;
  let j = from;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c < 128) {
      if (ASCII_NAME[c] === 0 || (j === first && ASCII_NAME[c] !== 1)) return j;
      j++;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      if (j + 1 === s.length) return s.length; // the pair's other half is still to come
      const cp = s.codePointAt(j)!;
      if (cp <= 0xffff || !(j === first ? isNameStart(cp) : isNameChar(cp))) return j;
      j += 2;
    } else {
      if (!(j === first ? isNameStart(c) : isNameChar(c))) return j;
      j++;
    }
  }
  return j;
}

/** The predefined entities (§4.6), the only named references a stream may use (RFC 6120 §11.1). */
export const PREDEFINED: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }),
);
