// The events of the stream tokenizer (xml-tokenizer.ts) and what the stream parser sees of it.
import type { XmlTag } from './xml-tags.js';

export interface XmlDecl {
  version: string;
  encoding: string | undefined;
  standalone: string | undefined;
}

/** A tokenizer as the stream parser uses it. */
export interface Tokenizer {
  /** Where the event being reported ends, in UTF-16 code units written so far. */
  readonly position: number;
  write(chunk: string): void;
  /** Reports nothing more: the rest of the write in progress and all later input are ignored. */
  stop(): void;
}

/** What a tokenizer reports to; `p` is the reporting tokenizer. Any of these may throw. */
export interface XmlTokenizerOwner {
  /** A syntax error (or a reference to an undeclared entity); must throw. */
  saxError(p: Tokenizer, err: Error): void;
  /** A construct RFC 6120 §11.1 does not allow (DTD, comment, processing instruction); must throw. */
  saxRestricted(p: Tokenizer, what: string): void;
  saxXmlDecl(p: Tokenizer, decl: XmlDecl): void;
  /** The name of a start tag has been read, not yet its attributes. */
  saxOpenTagStart(p: Tokenizer, name: string): void;
  /** A whole start tag; an empty-element tag is followed by saxCloseTag at once. */
  saxOpenTag(p: Tokenizer, tag: XmlTag): void;
  /** An end tag that matches the open element. */
  saxCloseTag(p: Tokenizer): void;
  saxText(p: Tokenizer, text: string): void;
}
