// The events of a client stream's parser, handed to the stream.
import type { StreamError } from '../../xmpp/errors.js';
import type { StreamHeader, StreamParserHandlers } from '../../xmpp/stream-parser.js';
import type { Element } from '../../xmpp/xml.js';
import type { C2sStream } from './stream.js';

/**
 * What the parser reports, handed to its stream: one small object per stream rather than a
 * closure per event (a stream lives as long as its client's session).
 */
export class ParserEvents implements StreamParserHandlers {
  constructor(private readonly stream: C2sStream) {}

  onStreamStart(h: StreamHeader): void {
    this.stream.receiveHeader(h);
  }

  onStanza(el: Element): void {
    this.stream.receiveStanza(el);
  }

  onStreamEnd(): void {
    this.stream.receiveEnd();
  }

  onError(err: StreamError): void {
    this.stream.close(err);
  }
}
