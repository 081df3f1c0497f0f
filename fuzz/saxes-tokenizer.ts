// The stream parser's tokenizer interface on saxes 6 (xmlns, XML 1.0 forced): the oracle of the
// differential fuzz target (fuzz/differential-target.ts), which runs the same stream parser on
// both and compares what comes out. saxes was the server's parser before xml-tokenizer.ts.
//
// One difference is smoothed over here: saxes reports a mismatched end tag by closing the open
// elements first and failing afterwards, so its close events are held back until the next event,
// or the end of the write, shows that no error followed at the same position.
import { SaxesParser } from 'saxes';
import type { Tokenizer, XmlTokenizerOwner } from '../src/xmpp/xml-tokenizer.js';

const OPTIONS = { xmlns: true, position: false, defaultXMLVersion: '1.0', forceXMLVersion: true } as const;

export class SaxesTokenizer implements Tokenizer {
  private readonly sax = new SaxesParser(OPTIONS);
  /** Close events not yet passed on, and the position they happened at. */
  private closes = 0;
  private closedAt = 0;
  private reported = 0;
  private stopped = false;

  constructor(private readonly owner: XmlTokenizerOwner) {
    const { sax } = this;
    sax.on('error', (err) => {
      if (this.closes > 0 && sax.position === this.closedAt) this.closes = 0;
      this.flush();
      this.report(() => owner.saxError(this, err));
    });
    sax.on('doctype', () => this.report(() => owner.saxRestricted(this, 'DTDs')));
    sax.on('comment', () => this.report(() => owner.saxRestricted(this, 'comments')));
    sax.on('processinginstruction', () => this.report(() => owner.saxRestricted(this, 'processing instructions')));
    sax.on('xmldecl', (decl) => this.report(() => owner.saxXmlDecl(this, { version: decl.version ?? '1.0', encoding: decl.encoding, standalone: decl.standalone })));
    sax.on('opentagstart', (tag) => this.report(() => owner.saxOpenTagStart(this, tag.name)));
    sax.on('opentag', (tag) => this.report(() => owner.saxOpenTag(this, { ...tag, attributes: Object.values(tag.attributes), selfClosing: tag.isSelfClosing })));
    sax.on('text', (text) => this.report(() => owner.saxText(this, text)));
    sax.on('cdata', (text) => this.report(() => owner.saxText(this, text)));
    sax.on('closetag', () => {
      this.flush();
      if (this.stopped) return;
      this.closes++;
      this.closedAt = sax.position;
    });
  }

  get position(): number {
    return this.reported;
  }

  write(chunk: string): void {
    this.sax.write(chunk);
    this.flush();
  }

  /** saxes cannot stop within a write: what it reports afterwards is dropped here. */
  stop(): void {
    this.stopped = true;
    this.closes = 0;
  }

  private report(event: () => void): void {
    this.flush();
    if (this.stopped) return;
    this.reported = this.sax.position;
    event();
  }

  private flush(): void {
    while (this.closes > 0 && !this.stopped) {
      this.closes--;
      this.reported = this.closedAt;
      this.owner.saxCloseTag(this);
    }
  }
}
