// The RFC 6120 rules the stream parser applies to what the tokenizer reports: which element may open a
// stream or appear at its first level, and which stream error condition (§4.9.3) each problem gets.
import type { XmlTag } from './xml-tags.js';
import { setAttribute } from './xml.js';
import { StreamError } from './errors.js';
import { NS } from './ns.js';
import { isSpace } from './xml-chars.js';
import type { StreamHeader } from './stream-parser.js';

/** Client-facing error texts quote tokenizer messages, which may quote the peer's names. */
const MAX_TEXT = 120;

/** Checks the root element and returns the stream header it carries. */
export function readHeader(tag: XmlTag): StreamHeader {
  // §4.8.1: the root must be qualified by the stream namespace, or <invalid-namespace/>.
  if (tag.uri !== NS.STREAMS) throw new StreamError('invalid-namespace', 'the stream namespace is required');
  // Appendix A.1: the only root element of that namespace is <stream/>; anything else is
  // well-formed but not a stream (§4.9.3.11 <invalid-xml/>).
  if (tag.local !== 'stream') throw new StreamError('invalid-xml', 'the root element must be <stream:stream>');
  if (tag.prefix === '') throw streamPrefixRequired();
  const attrs: Record<string, string> = {};
  for (const attr of tag.attributes) setAttribute(attrs, attr.name, attr.value);
  return { uri: tag.uri, local: tag.local, prefix: tag.prefix, attrs, defaultNs: tag.ns[''] ?? '' };
}

/** Checks an element at the first level of the stream (a stanza or other top-level element). */
export function checkFirstLevel(tag: XmlTag): void {
  if (tag.uri !== NS.STREAMS) return;
  // Well-formed, but a stream header is not a first-level child of a stream (§4.9.3.24).
  if (tag.local === 'stream') throw new StreamError('unsupported-stanza-type', 'stream header inside a stream');
  if (tag.prefix === '') throw streamPrefixRequired();
}

/** §4.8.1: elements of the stream namespace MUST carry the declared prefix; §4.9.3.2 covers "no
 *  namespace prefix on an element that needs such a prefix". */
function streamPrefixRequired(): StreamError {
  return new StreamError('bad-namespace-prefix', 'the stream namespace must be used with a prefix');
}

/** Whether `text` is XML white space only (between stanzas: keepalives, RFC 6120 §11.7). */
export function isXmlSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** Maps a well-formedness error of the tokenizer to the RFC 6120 §4.9.3 condition. */
export function fromSyntax(err: Error): StreamError {
  const msg = err.message;
  const text = msg.length > MAX_TEXT ? `${msg.slice(0, MAX_TEXT)}...` : msg;
  // Only the five predefined entities are known; any other named reference would need a DTD
  // declaration, which §11.1 forbids, so it is restricted XML rather than a syntax error.
  if (msg.startsWith('undefined entity')) return new StreamError('restricted-xml', 'entity references are not allowed');
  // A DOCTYPE after the stream header is misplaced, but it is a DTD first of all (saxes' message:
  // the differential fuzz runs this parser on saxes too, fuzz/saxes-tokenizer.ts).
  if (msg.startsWith('inappropriately located doctype')) return new StreamError('restricted-xml', 'DTDs are not allowed');
  // §4.9.3.2: "a namespace prefix that is unsupported"; an undeclared prefix is the clearest case.
  // Namespaces in XML would also call it not namespace-well-formed, but the specific condition wins.
  if (msg.startsWith('unbound namespace prefix')) return new StreamError('bad-namespace-prefix', text);
  // Everything else reported violates XML 1.0 or Namespaces in XML well-formedness
  // (syntax, duplicate attributes, '<' in attribute values, disallowed characters): §4.9.3.13.
  return new StreamError('not-well-formed', text);
}

export function toStreamError(err: unknown): StreamError {
  if (err instanceof StreamError) return err;
  // A bug in a handler of ours or of the session: the stream cannot continue, but the peer is
  // told nothing about it; the cause stays attached for the log.
  const se = new StreamError('internal-server-error');
  se.cause = err;
  return se;
}
