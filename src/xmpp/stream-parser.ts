// Streaming parser for one XMPP XML stream (RFC 6120 §4, §11), on the strict tokenizer of
// xml-tokenizer.ts. Pure protocol code: bytes in, stream header / stanzas / stream end / one
// stream error out.
//
// - Bytes are decoded strictly and in a streaming way (utf8-input.ts), so a chunk may end inside
//   a multi-byte character and invalid UTF-8 is refused rather than turned into U+FFFD.
// - The tokenizer never expands entities, and every construct that RFC 6120 §11.1 restricts is
//   refused as soon as it is recognised, so billion laughs and external entities cannot do
//   anything.
// - The byte budget is enforced here on every byte fed, whatever the tokenizer holds (an
//   unfinished tag, an unfinished reference), and input is fed in slices no longer than the
//   remaining budget, so nothing is held much beyond the limit.
// - The outcome does not depend on how the input was cut into chunks: a stanza is handed on when
//   its end tag has been read and checked, whatever follows in the same chunk, and a size limit
//   passed before the position of an error wins.
import { StreamError } from './errors.js';
import { StanzaBuilder } from './stanza-builder.js';
import { checkFirstLevel, fromSyntax, isXmlSpace, readHeader, toStreamError } from './stream-rules.js';
import { Utf8Input } from './utf8-input.js';
import { ByteBudget } from './byte-budget.js';
import { XmlTokenizer, type Tokenizer, type XmlDecl, type XmlTokenizerOwner } from './xml-tokenizer.js';
import type { XmlTag } from './xml-tags.js';
import type { Element } from './xml.js';

export interface StreamParserLimits {
  /** Bytes of one top-level stanza, from its start tag to its end tag (and of data between stanzas). */
  maxStanzaBytes: number;
  /** Depth of an element below the stream root; a stanza is at depth 1. */
  maxDepth: number;
  /** Bytes received before the stream header is complete (XML declaration included). */
  maxHeaderBytes: number;
}

export interface StreamHeader {
  /** resolved namespace of the root element */
  uri: string;
  local: string;
  prefix: string;
  /** attributes of the stream header by qualified name, e.g. to, from, version, xml:lang, id */
  attrs: Record<string, string>;
  /** default namespace in scope on the header (e.g. 'jabber:client'), '' if none */
  defaultNs: string;
}

export interface StreamParserHandlers {
  onStreamStart(h: StreamHeader): void;
  onStanza(el: Element): void;
  onStreamEnd(): void;
  onError(err: StreamError): void;
}

/** Thrown from the events of a tokenizer whose output is no longer wanted. The parser stops such a
 *  tokenizer (handOver); this is the guard should one report all the same. */
const DISCARD = Symbol('discard');

/** Makes the tokenizer of each stream (and of each restart); a test may pass another one. */
export type TokenizerFactory = (owner: XmlTokenizerOwner) => Tokenizer;
const newTokenizer: TokenizerFactory = (owner) => new XmlTokenizer(owner);

export class StreamParser implements XmlTokenizerOwner {
  private sax!: Tokenizer;
  private input!: Utf8Input;
  private readonly stanza = new StanzaBuilder();
  /** Changes on every reset(), so a write() in progress knows its remaining input is stale. */
  private generation = 0;
  private done = false; // an error was reported, the stream ended, or end() was called
  private headerDone = false;
  /** Open elements including the stream root. */
  private open = 0;
  /** Bytes since the last boundary (stream start, header end, stanza start or end). */
  private readonly bytes = new ByteBudget();
  /** The error being reported was thrown by the stanza handler, not found in the input. */
  private handlerFailed = false;

  constructor(
    private readonly handlers: StreamParserHandlers,
    private readonly limits: StreamParserLimits,
    private readonly tokenizer: TokenizerFactory = newTokenizer,
  ) {
    this.reset();
  }

  /** Bytes received since the last stanza boundary, as of the end of the last slice fed. */
  get bytesSinceStanza(): number {
    return this.bytes.count;
  }

  /** Bytes straight from the socket. Ignored once an error was reported or the stream ended. */
  write(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    const { generation } = this;
    const { text, invalid } = this.input.decode(chunk);
    if (text.length > 0) this.feed(text);
    if (invalid && generation === this.generation) {
      // RFC 6120 §4.9.3.22: <unsupported-encoding/> covers a stream that "has otherwise improperly
      // encoded the stream (e.g., by violating the rules of the [UTF-8] encoding)"; §11.6 makes
      // UTF-8 the only encoding. That is more specific than <not-well-formed/>.
      this.fail(new StreamError('unsupported-encoding', 'invalid UTF-8'));
    }
  }

  /** Socket EOF: nothing more will come. The peer is gone, so nothing is reported. */
  end(): void {
    this.done = true;
  }

  /** Stream restart (RFC 6120 §4.3.3): a new tokenizer, header expected again, counters reset.
   *  Called from a handler during write(), the rest of that write's input is discarded: it was
   *  sent before the peer could know of the restart, so it does not belong to the new stream
   *  (after STARTTLS it would even be plaintext injected into the TLS session). */
  reset(): void {
    this.generation++;
    this.input = new Utf8Input();
    this.sax = this.tokenizer(this);
    this.stanza.clear();
    this.handlerFailed = false;
    this.done = false;
    this.headerDone = false;
    this.open = 0;
    this.bytes.reset();
  }

  /** The byte limit that applies now: the header's, then each stanza's. */
  private get limit(): number {
    return this.headerDone ? this.limits.maxStanzaBytes : this.limits.maxHeaderBytes;
  }

  private feed(text: string): void {
    const { generation, sax } = this;
    let i = 0;
    while (i < text.length) {
      const slice = this.bytes.take(text, i, this.limit);
      try {
        sax.write(slice);
      } catch (err) {
        if (err !== DISCARD) this.fail(this.handlerFailed ? toStreamError(err) : this.firstProblem(sax, toStreamError(err)));
        return;
      }
      if (this.done || generation !== this.generation) return;
      this.bytes.mark();
      this.bytes.done();
      if (this.bytes.count > this.limit) {
        this.fail(this.tooLarge());
        return;
      }
      i += slice.length;
    }
  }

  private tooLarge(): StreamError {
    return this.headerDone
      ? new StreamError('policy-violation', `stanza larger than ${this.limits.maxStanzaBytes} bytes`)
      : new StreamError('policy-violation', `stream header larger than ${this.limits.maxHeaderBytes} bytes`);
  }

  /** A size limit passed before the position of `err` in the same slice is the first problem. */
  private firstProblem(sax: Tokenizer, err: StreamError): StreamError {
    this.bytes.mark(sax.position);
    return this.bytes.count > this.limit ? this.tooLarge() : err;
  }

  private fail(err: StreamError): void {
    if (this.done) return;
    this.done = true;
    this.stanza.clear();
    this.handlers.onError(err);
  }

  // The events of the tokenizer. `p` is the tokenizer that reports: after a reset() or the end of
  // the stream, events of an older one are discarded.

  /** Stops a tokenizer whose output is no longer wanted. */
  private live(p: Tokenizer): void {
    if (p !== this.sax || this.done) throw DISCARD;
  }

  saxError(p: Tokenizer, err: Error): void {
    this.live(p);
    throw fromSyntax(err);
  }

  /** RFC 6120 §11.1: no DTD, comments, processing instructions or entity references other than
   *  the predefined ones; §4.9.3.18 names the condition. */
  saxRestricted(p: Tokenizer, what: string): void {
    this.live(p);
    throw new StreamError('restricted-xml', `${what} are not allowed`);
  }

  saxXmlDecl(p: Tokenizer, decl: XmlDecl): void {
    this.live(p);
    // RFC 6120 §11.6: UTF-8 is the only encoding; §4.9.3.22 names the condition.
    const enc = decl.encoding?.toLowerCase();
    if (enc !== undefined && enc !== 'utf-8') throw new StreamError('unsupported-encoding', 'only UTF-8 is supported');
  }

  saxOpenTagStart(p: Tokenizer, name: string): void {
    this.live(p);
    const depth = this.open; // depth below the root of the element that starts here
    if (depth > this.limits.maxDepth) {
      throw new StreamError('policy-violation', `elements nested deeper than ${this.limits.maxDepth}`);
    }
    if (depth === 1) {
      // A stanza starts: what came since the last boundary (whitespace) must fit the budget too,
      // then the stanza's own count starts with '<', its name and the character after it.
      this.checkedMark();
      this.bytes.count = Buffer.byteLength(name, 'utf8') + 2;
    }
  }

  saxOpenTag(p: Tokenizer, tag: XmlTag): void {
    this.live(p);
    if (this.open === 0) {
      const header = readHeader(tag);
      this.bytes.mark(this.sax.position);
      if (this.bytes.count > this.limits.maxHeaderBytes) throw this.tooLarge();
      this.headerDone = true;
      this.bytes.count = 0;
      this.open++;
      this.handlers.onStreamStart(header);
      return;
    }
    if (this.open === 1) checkFirstLevel(tag);
    this.stanza.open(tag);
    this.open++;
  }

  saxCloseTag(p: Tokenizer): void {
    this.live(p);
    this.open--;
    if (this.open === 0) {
      // The bytes since the last stanza count like any between stanzas. RFC 6120 §4.4: nothing
      // follows the closing stream tag.
      this.checkedMark();
      this.done = true;
      this.handOver(p, undefined);
      return;
    }
    const el = this.stanza.close();
    if (this.open === 1 && el) {
      this.checkedMark();
      this.bytes.count = 0;
      this.handOver(p, el);
    }
  }

  /** Hands a stanza (or, without one, the stream's end) over; stops the tokenizer `p` if the
   *  stream ended or the handler reset the parser. Stopped, not thrown out of: a throw from
   *  optimised code makes V8 work out the source location (about 1.3 % of a STARTTLS login's
   *  CPU for its two restarts and its end). */
  private handOver(p: Tokenizer, el: Element | undefined): void {
    try {
      if (el) this.handlers.onStanza(el);
      else this.handlers.onStreamEnd();
    } catch (err) {
      this.handlerFailed = true;
      throw err;
    }
    if (p !== this.sax || this.done) p.stop();
  }

  saxText(p: Tokenizer, text: string): void {
    this.live(p);
    if (this.open > 1) {
      this.stanza.text(text);
    } else if (this.open === 1 && !isXmlSpace(text)) {
      // Only whitespace (keepalives, RFC 6120 §11.7) may appear between stanzas; character data
      // there is not part of any stanza and the stream schema allows none.
      throw new StreamError('not-well-formed', 'character data between stanzas');
    }
  }

  /** Counts up to the tokenizer's position and refuses the stanza when it is too large. */
  private checkedMark(): void {
    this.bytes.mark(this.sax.position);
    if (this.bytes.count > this.limits.maxStanzaBytes) throw this.tooLarge();
  }
}
