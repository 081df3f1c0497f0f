// The saxes instance behind one stream parser, kept small: one parser lives as long as its
// stream, so its size counts once per connected client.
//
// saxes calls most event handlers as methods of the parser (`this.openTagHandler(tag)`), and
// `on()` stores a handler on whatever object it is called on. Registered once on this subclass's
// prototype, those handlers are shared by every instance. Three handlers are called without the
// parser as `this` (text, closetag, error: saxes keeps them in locals), so each instance gets its
// own closures for these. Registering all of them per instance would cost more than the
// closures: V8 turns an object that gets that many properties added after construction into a
// hash table (about 3 KB for a saxes parser), where this layout stays compact.
import { SaxesParser, type SaxesStartTagNS, type SaxesTagNS, type XMLDecl } from 'saxes';

const SAX_OPTIONS = {
  xmlns: true,
  position: false,
  // RFC 6120 §11.8 defines XMPP for XML 1.0 only; a declared version="1.1" must not relax the checks
  // on control characters.
  defaultXMLVersion: '1.0',
  forceXMLVersion: true,
} as const;

/** What a stream parser does with the events of its saxes instance. `p` is the instance. */
export interface StreamSaxOwner {
  saxError(p: StreamSax, err: Error): void;
  /** A construct RFC 6120 §11.1 does not allow (DTD, comment, processing instruction). */
  saxRestricted(p: StreamSax, what: string): void;
  saxXmlDecl(p: StreamSax, decl: XMLDecl): void;
  saxOpenTagStart(p: StreamSax, tag: SaxesStartTagNS): void;
  saxOpenTag(p: StreamSax, tag: SaxesTagNS): void;
  saxCloseTag(p: StreamSax): void;
  saxText(p: StreamSax, text: string): void;
}

/** The state table of the first instance (see the constructor). */
let sharedStates: readonly unknown[] | undefined;

export class StreamSax extends SaxesParser<typeof SAX_OPTIONS> {
  constructor(readonly owner: StreamSaxOwner) {
    super(SAX_OPTIONS);
    // saxes gives every instance its own table of its (prototype) state methods, 45 entries it
    // only ever reads; instances whose table has the same entries share the first one's.
    const self = this as unknown as { stateTable: readonly unknown[] };
    if (sharedStates === undefined) sharedStates = self.stateTable;
    else if (sameEntries(self.stateTable, sharedStates)) self.stateTable = sharedStates;
    this.on('error', (err) => owner.saxError(this, err));
    this.on('text', (text) => owner.saxText(this, text));
    this.on('closetag', () => owner.saxCloseTag(this));
  }
}

// The handlers saxes calls with the instance as `this`, on the prototype (see above).
const proto = StreamSax.prototype;
proto.on('doctype', function onDoctype(this: StreamSax) {
  this.owner.saxRestricted(this, 'DTDs');
});
proto.on('comment', function onComment(this: StreamSax) {
  this.owner.saxRestricted(this, 'comments');
});
proto.on('processinginstruction', function onPi(this: StreamSax) {
  this.owner.saxRestricted(this, 'processing instructions');
});
proto.on('xmldecl', function onXmlDecl(this: StreamSax, decl) {
  this.owner.saxXmlDecl(this, decl);
});
proto.on('opentagstart', function onOpenTagStart(this: StreamSax, tag) {
  this.owner.saxOpenTagStart(this, tag);
});
proto.on('opentag', function onOpenTag(this: StreamSax, tag) {
  this.owner.saxOpenTag(this, tag);
});
proto.on('cdata', function onCdata(this: StreamSax, text) {
  this.owner.saxText(this, text);
});

function sameEntries(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
