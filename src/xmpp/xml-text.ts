// Character data and attribute values of the stream tokenizer (xml-tokenizer.ts), decoded and
// checked: XML 1.0 characters only (§2.2), line ends normalised (§2.11), references resolved
// (§4.1; only character references and the predefined entities, RFC 6120 §11.1), attribute
// values normalised (§3.3.3) and free of '<' (§3.1).
import { isNameChar, isNameStart, isSpace, isXmlChar, PREDEFINED } from './xml-chars.js';

/** A well-formedness (or restricted-XML) problem; the message says which. */
export class XmlSyntaxError extends Error {}

/** Longest reference looked at before giving up on it: '&#x0010FFFF;' and the names all fit. */
export const MAX_REFERENCE = 32;

/**
 * The character data of `s` from `a` to `b`, decoded. Throws on a character XML does not allow,
 * on ']]>', and on a reference that is malformed or not allowed.
 */
export function decodeText(s: string, a: number, b: number): string {
  return decodeChars(s, a, b, true);
}

/** The text of a CDATA section (§2.7): characters checked and line ends normalised, nothing else. */
export function decodeCdata(s: string, a: number, b: number): string {
  return decodeChars(s, a, b, false);
}

function decodeChars(s: string, a: number, b: number, markup: boolean): string {
  let out = '';
  let last = a;
  for (let k = a; k < b; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x20) {
      if (c === 0x26 && markup) {
        const end = referenceEnd(s, k, b);
        out += s.slice(last, k) + reference(s, k, end);
        last = end + 1;
        k = end;
      } else if (c === 0x3e && markup) {
        if (k - 2 >= a && s.charCodeAt(k - 1) === 0x5d && s.charCodeAt(k - 2) === 0x5d) {
          throw new XmlSyntaxError('the string "]]>" is disallowed in char data.');
        }
      } else if (c >= 0xfffe) {
        throw new XmlSyntaxError('disallowed character.');
      }
    } else if (c === 0x0d) {
      out += `${s.slice(last, k)}\n`;
      if (k + 1 < b && s.charCodeAt(k + 1) === 0x0a) k++;
      last = k + 1;
    } else if (c !== 0x0a && c !== 0x09) {
      throw new XmlSyntaxError('disallowed character.');
    }
  }
  return last === a ? s.slice(a, b) : out + s.slice(last, b);
}

/** An attribute value between its quotes, `s` from `a` to `b`, decoded and normalised. */
export function decodeAttribute(s: string, a: number, b: number): string {
  let out = '';
  let last = a;
  for (let k = a; k < b; k++) {
    const c = s.charCodeAt(k);
    if (c > 0x20) {
      if (c === 0x26) {
        const end = referenceEnd(s, k, b);
        out += s.slice(last, k) + reference(s, k, end);
        last = end + 1;
        k = end;
      } else if (c === 0x3c) {
        throw new XmlSyntaxError('disallowed character.');
      } else if (c >= 0xfffe) {
        throw new XmlSyntaxError('disallowed character.');
      }
    } else if (c === 0x20) {
      // as it is
    } else if (c === 0x0a || c === 0x09 || c === 0x0d) {
      // §3.3.3: each white space character becomes a space, a CR LF pair (one line end) one space
      out += `${s.slice(last, k)} `;
      if (c === 0x0d && k + 1 < b && s.charCodeAt(k + 1) === 0x0a) k++;
      last = k + 1;
    } else {
      throw new XmlSyntaxError('disallowed character.');
    }
  }
  return last === a ? s.slice(a, b) : out + s.slice(last, b);
}

/** The index of the ';' that ends the reference starting with '&' at `k`. */
function referenceEnd(s: string, k: number, b: number): number {
  const end = s.indexOf(';', k + 1);
  if (end < 0 || end >= b || end - k > MAX_REFERENCE) {
    throw new XmlSyntaxError(s.charCodeAt(k + 1) === 0x23 ? 'malformed character entity.' : 'disallowed character in entity name.');
  }
  return end;
}

/** The character(s) a reference from '&' at `k` to ';' at `end` stands for. */
function reference(s: string, k: number, end: number): string {
  if (s.charCodeAt(k + 1) === 0x23) {
    const hex = s.charCodeAt(k + 2) === 0x78;
    const digits = s.slice(k + (hex ? 3 : 2), end);
    if (digits.length === 0 || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) {
      throw new XmlSyntaxError('malformed character entity.');
    }
    const cp = Number.parseInt(digits, hex ? 16 : 10);
    if (!isXmlChar(cp)) throw new XmlSyntaxError('malformed character entity.');
    return String.fromCodePoint(cp);
  }
  const name = s.slice(k + 1, end);
  if (name.length === 0) throw new XmlSyntaxError('empty entity name.');
  for (let j = 0; j < name.length; j++) {
    const c = name.codePointAt(j)!;
    if (!(j === 0 ? isNameStart(c) : isNameChar(c))) throw new XmlSyntaxError('disallowed character in entity name.');
    if (c > 0xffff) j++;
  }
  const value = PREDEFINED[name];
  // Any other name would need a DTD declaring it, which RFC 6120 §11.1 forbids.
  if (value === undefined) throw new XmlSyntaxError(`undefined entity: ${name}.`);
  return value;
}

/**
 * Where in `s` from `a` to `b` the first character that is not white space is, or -1. With
 * `references` (between stanzas, in the root's content) a character reference to white space is
 * white space too; before the root there are no references.
 */
export function notSpace(s: string, a: number, b: number, references: boolean): number {
  for (let k = a; k < b; k++) {
    const c = s.charCodeAt(k);
    if (isSpace(c)) continue;
    if (c === 0x26 && references) {
      const semi = s.indexOf(';', k);
      const ref = semi > k && semi < b ? decodeText(s, k, semi + 1) : '';
      if (ref.length === 1 && isSpace(ref.charCodeAt(0))) {
        k = semi;
        continue;
      }
    }
    return k;
  }
  return -1;
}

/**
 * Where the text from `a` to `b` stops being certain when more input may follow at `b`: before
 * an unfinished reference, a CR (an LF may follow), or ']' and ']]' (a '>' would make ']]>').
 */
export function unfinished(s: string, a: number, b: number): number {
  const amp = s.lastIndexOf('&', b - 1);
  if (amp >= a && s.indexOf(';', amp) < 0 && b - amp <= MAX_REFERENCE) return amp;
  const c = s.charCodeAt(b - 1);
  if (c === 0x0d) return b - 1;
  if (c === 0x5d) return b - 2 >= a && s.charCodeAt(b - 2) === 0x5d ? b - 2 : b - 1;
  return b;
}
