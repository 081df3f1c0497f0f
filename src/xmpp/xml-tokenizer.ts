// The XML tokenizer under the stream parser (stream-parser.ts): XML 1.0 and Namespaces in XML 1.0
// as RFC 6120 §11 restricts them, read incrementally from decoded text.
//
// - Strict: only XML 1.0 characters, well-formed names, quoted attributes, no duplicate
//   attributes, declared prefixes, matching end tags. What §11.1 forbids (DTDs, comments,
//   processing instructions other than the XML declaration, references to entities other than
//   the predefined ones) is reported as restricted as soon as it is recognised; nothing is ever
//   expanded.
// - Incremental in linear time: a chunk may end anywhere. Markup cut by a chunk end is kept as
//   its pieces and scanned on from where scanning stopped, so a tag that arrives a byte at a time
//   is not scanned again for every byte; text is handed on as it comes, except for the few
//   characters that may continue in the next chunk (an unfinished reference, a CR, ']' or ']]').
// - Positions are UTF-16 code units written so far; each event is reported with the position
//   just after what it reports (the stream parser counts stanza bytes up to them). Input never
//   splits a surrogate pair (the UTF-8 decoder and the byte budget keep pairs whole).
import { isSpace, nameEnd } from './xml-chars.js';
import { decodeCdata, decodeText, notSpace, unfinished, XmlSyntaxError } from './xml-text.js';
import { readEndTag, readStartTag } from './xml-tags.js';
import type { Tokenizer, XmlTokenizerOwner } from './xml-events.js';
import { readPi } from './xml-pi.js';

export type { Tokenizer, XmlDecl, XmlTokenizerOwner } from './xml-events.js';

/** The markup being read when a chunk ended inside it. */
const enum Kind { None, Lt, Start, End, Bang, Cdata, Pi }

const CDATA_OPEN = '<![CDATA[';

export class XmlTokenizer implements Tokenizer {
  /** Where the event being reported ends, in code units written so far. */
  position = 0;
  private fed = 0;
  /** Text held back at the end of the last chunk. */
  private held = '';
  // The markup being read: its kind, its pieces so far, where it started, and scan state.
  private kind = Kind.None;
  private readonly parts: string[] = [];
  private partsLength = 0;
  private tokenAt = 0;
  private nameLength = 0;
  private nameDone = false;
  private quote = 0;
  private tail = '';
  /** Names and own namespace declarations of the open elements, outermost first. */
  private readonly stack: { name: string; ns: Record<string, string> }[] = [];
  /** The root element has closed, or the owner stopped this tokenizer: nothing more is read. */
  private finished = false;
  /** Where an XML declaration may start: 0, or 1 after a byte order mark. */
  private declAt = 0;
  private readonly resolver = (prefix: string): string | undefined => this.resolve(prefix);

  constructor(readonly owner: XmlTokenizerOwner) {}

  write(chunk: string): void {
    if (this.finished || chunk.length === 0) return;
    let s = this.held === '' ? chunk : this.held + chunk;
    let base = this.fed - this.held.length;
    this.held = '';
    if (this.fed === 0 && s.charCodeAt(0) === 0xfeff) {
      s = s.slice(1);
      base = 1;
      this.declAt = 1;
    }
    this.fed += chunk.length;
    try {
      this.run(s, base);
    } catch (err) {
      if (err instanceof XmlSyntaxError) this.owner.saxError(this, err);
      throw err;
    }
  }

  stop(): void {
    this.finished = true;
  }

  private run(s: string, base: number): void {
    const n = s.length;
    let i = 0;
    if (this.kind !== Kind.None) {
      i = this.scan(s, base, -this.partsLength, 0);
      if (i < 0) return this.keep(s, 0);
    }
    while (i < n && !this.finished) {
      if (s.charCodeAt(i) !== 0x3c) {
        const lt = s.indexOf('<', i);
        if (lt < 0) return this.text(s, base, i, n, false);
        this.text(s, base, i, lt, true);
        i = lt;
        continue;
      }
      this.kind = Kind.Lt;
      this.tokenAt = base + i;
      const end = this.scan(s, base, i, i + 1);
      if (end < 0) return this.keep(s, i);
      i = end;
    }
  }

  /** The chunk ended inside markup: keep its pieces. */
  private keep(s: string, from: number): void {
    const piece = from === 0 ? s : s.slice(from);
    this.parts.push(piece);
    this.partsLength += piece.length;
  }

  /** The whole markup from `ts` (negative when it began in earlier chunks) to `end` in `s`. */
  private token(s: string, ts: number, end: number): string {
    if (ts >= 0) return s.slice(ts, end);
    const t = this.parts.join('') + s.slice(0, end);
    this.parts.length = 0;
    this.partsLength = 0;
    return t;
  }

  private done(): void {
    this.kind = Kind.None;
    this.nameLength = 0;
    this.nameDone = false;
    this.quote = 0;
    this.tail = '';
  }

  private fail(at: number, message: string): never {
    this.position = at;
    throw new XmlSyntaxError(message);
  }

  /** Reads on in markup that starts at `ts` in `s`, from `j`; its end in `s`, or -1 for more input. */
  private scan(s: string, base: number, ts: number, j: number): number {
    if (this.kind === Kind.Lt) {
      if (j >= s.length) return -1;
      const c = s.charCodeAt(j);
      if (c === 0x2f) this.kind = Kind.End;
      else if (c === 0x21) this.kind = Kind.Bang;
      else if (c === 0x3f) this.kind = Kind.Pi;
      else this.kind = Kind.Start;
      if (this.kind !== Kind.Start) j++;
    }
    switch (this.kind) {
      case Kind.Start: return this.scanStart(s, base, ts, j);
      case Kind.End: {
        const gt = s.indexOf('>', j);
        if (gt < 0) return -1;
        this.endTag(this.token(s, ts, gt + 1), base + gt + 1);
        return gt + 1;
      }
      case Kind.Bang: return this.scanBang(s, base, ts, j);
      case Kind.Cdata: return this.scanCdata(s, base, ts, j);
      default: return this.scanPi(s, base, ts, j);
    }
  }

  private scanStart(s: string, base: number, ts: number, from: number): number {
    const n = s.length;
    let j = from;
    if (!this.nameDone) {
      const e = nameEnd(s, j, this.nameLength > 0);
      this.nameLength += e - j;
      j = e;
      if (j >= n) return -1;
      const c = s.charCodeAt(j);
      if (this.nameLength === 0 || !(isSpace(c) || c === 0x2f || c === 0x3e)) this.fail(base + j + 1, 'disallowed character in tag name.');
      this.nameDone = true;
      const name = ts >= 0 ? s.slice(ts + 1, j) : (this.parts.join('') + s.slice(0, j)).slice(1);
      this.position = base + j + 1;
      this.owner.saxOpenTagStart(this, name);
    }
    let q = this.quote;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (q !== 0) {
        if (c === q) q = 0;
        else if (c === 0x3c) this.fail(base + j + 1, 'disallowed character.');
      } else if (c === 0x3e) {
        this.startTag(this.token(s, ts, j + 1), base + j + 1);
        return j + 1;
      } else if (c === 0x22 || c === 0x27) {
        q = c;
      } else if (c === 0x3c) {
        this.fail(base + j + 1, 'disallowed character in attribute name.');
      }
    }
    this.quote = q;
    return -1;
  }

  private scanBang(s: string, base: number, ts: number, j: number): number {
    const head = ts >= 0 ? s.slice(ts, ts + CDATA_OPEN.length) : (this.parts.join('') + s.slice(0, CDATA_OPEN.length)).slice(0, CDATA_OPEN.length);
    if (head.startsWith('<!--')) this.restricted(base + ts + 4, 'comments');
    if (head.startsWith('<!DOCTYPE')) this.restricted(base + ts + 9, 'DTDs');
    if (head === CDATA_OPEN) {
      this.kind = Kind.Cdata;
      return this.scanCdata(s, base, ts, Math.max(j, ts + CDATA_OPEN.length));
    }
    if (head.length < CDATA_OPEN.length && ['<!--', '<!DOCTYPE', CDATA_OPEN].some((x) => x.startsWith(head))) return -1;
    return this.fail(base + ts + head.length, 'disallowed character after "<!".');
  }

  private restricted(at: number, what: string): never {
    this.position = at;
    this.owner.saxRestricted(this, what);
    throw new XmlSyntaxError(`${what} are not allowed`);
  }

  private scanCdata(s: string, base: number, ts: number, from: number): number {
    let end = -1;
    if (this.tail !== '') {
      const m = (this.tail + s.slice(from, from + 2)).indexOf(']]>');
      if (m >= 0) end = from + m + 3 - this.tail.length;
    }
    if (end < 0) {
      const idx = s.indexOf(']]>', from);
      if (idx < 0) {
        this.tail = (this.tail + s.slice(Math.max(from, s.length - 2))).slice(-2);
        return -1;
      }
      end = idx + 3;
    }
    const t = this.token(s, ts, end);
    this.done();
    this.position = base + end;
    if (this.stack.length === 0) throw new XmlSyntaxError('CDATA outside of the root element.');
    const text = decodeCdata(t, CDATA_OPEN.length, t.length - 3);
    if (text !== '') this.owner.saxText(this, text);
    return end;
  }

  private scanPi(s: string, base: number, ts: number, from: number): number {
    let end = -1;
    const start = Math.max(from, ts + 2);
    if (this.tail === '?' && s.charCodeAt(start) === 0x3e) end = start + 1;
    if (end < 0) {
      const idx = s.indexOf('?>', start);
      if (idx < 0) {
        if (s.length > start) this.tail = s.charAt(s.length - 1);
        return -1;
      }
      end = idx + 2;
    }
    const t = this.token(s, ts, end);
    const at = this.tokenAt;
    this.done();
    this.position = base + end;
    const pi = readPi(t, at === this.declAt);
    if (pi === 'restricted') return this.restricted(this.position, 'processing instructions');
    this.owner.saxXmlDecl(this, pi);
    return end;
  }

  private startTag(t: string, at: number): void {
    const nameLength = this.nameLength;
    this.done();
    this.position = at;
    const tag = readStartTag(t, 1 + nameLength, this.resolver);
    this.stack.push({ name: tag.name, ns: tag.ns });
    this.owner.saxOpenTag(this, tag);
    if (tag.selfClosing && !this.finished) this.closeTop(at);
  }

  private endTag(t: string, at: number): void {
    this.done();
    this.position = at;
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || top.name !== readEndTag(t)) throw new XmlSyntaxError('unexpected close tag.');
    this.closeTop(at);
  }

  private closeTop(at: number): void {
    this.stack.pop();
    this.position = at;
    if (this.stack.length === 0) this.finished = true;
    this.owner.saxCloseTag(this);
  }

  /** Character data from `a` to `b` in `s`; `final` when markup follows it in `s`. */
  private text(s: string, base: number, a: number, b: number, final: boolean): void {
    const end = final ? b : unfinished(s, a, b);
    if (end < b) this.held = s.slice(end, b);
    if (end === a) return;
    this.position = base + end;
    if (this.stack.length <= 1) {
      // Before the root element only white space may appear (XML 1.0 §2.8, Misc), and between
      // stanzas only white space keepalives (RFC 6120 §11.7): checked as written, so that the
      // first character that is not white space decides, however the input was cut.
      const bad = notSpace(s, a, end, this.stack.length === 1);
      if (bad >= 0) this.fail(base + bad + 1, this.stack.length === 0 ? 'text data outside of root node.' : 'character data between stanzas.');
      return;
    }
    this.owner.saxText(this, decodeText(s, a, end));
  }

  private resolve(prefix: string): string | undefined {
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const uri = this.stack[k]!.ns[prefix];
      if (uri !== undefined) return uri;
    }
    return undefined;
  }
}
