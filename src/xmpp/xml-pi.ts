// Processing instructions in a stream (XML 1.0 §2.6, §2.8): the XML declaration where one may
// stand, and nothing else (RFC 6120 §11.1 restricts the others).
import { isSpace, nameEnd } from './xml-chars.js';
import type { XmlDecl } from './xml-events.js';
import { XmlSyntaxError } from './xml-text.js';

const XML_DECL = /^[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'(1\.[0-9]+)'|"(1\.[0-9]+)")(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:'([A-Za-z][A-Za-z0-9._-]*)'|"([A-Za-z][A-Za-z0-9._-]*)"))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:'(yes|no)'|"(yes|no)"))?[ \t\r\n]*$/;

/**
 * The processing instruction `t` ('<?' ... '?>'): the XML declaration it is when `atStart` (the
 * start of the stream) allows one, 'restricted' for any other well-formed one. Throws when it is
 * malformed, or an XML declaration anywhere else.
 */
export function readPi(t: string, atStart: boolean): XmlDecl | 'restricted' {
  const targetEnd = nameEnd(t, 2);
  const target = t.slice(2, targetEnd);
  if (target === '' || !(isSpace(t.charCodeAt(targetEnd)) || targetEnd === t.length - 2)) {
    throw new XmlSyntaxError('processing instruction without a valid target.');
  }
  if (target === 'xml' && atStart) {
    const m = XML_DECL.exec(t.slice(5, t.length - 2));
    if (!m) throw new XmlSyntaxError('malformed XML declaration.');
    return { version: (m[1] ?? m[2])!, encoding: m[3] ?? m[4], standalone: m[5] ?? m[6] };
  }
  // 'xml' in any case is reserved (§2.6); lower case is a declaration out of place (§2.8).
  if (target.toLowerCase() === 'xml') throw new XmlSyntaxError('an XML declaration is allowed only at the start of the document.');
  return 'restricted';
}
