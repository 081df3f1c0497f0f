// Reads a stored stanza back into an element with the server's own XMPP parser, so stored text
// goes through the same restricted-XML rules (RFC 6120 §11) as anything read from a socket.
import { StreamParser } from '../../xmpp/stream-parser.js';
import { NS } from '../../xmpp/ns.js';
import type { Element } from '../../xmpp/xml.js';

const HEADER = Buffer.from(`<stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAMS}'>`, 'utf8');

/**
 * Limits for text we wrote ourselves: generous, since the stanza already passed the stream's
 * limits before the delay and stanza-id were added, and a limit set lower later must not make
 * stored messages unreadable.
 */
const LIMITS = { maxStanzaBytes: 64 * 1024 * 1024, maxDepth: 1000, maxHeaderBytes: 4096 };

/** The stanza serialised in `text`, or undefined when the text is not exactly one stanza. */
export function parseStored(text: string): Element | undefined {
  const found: Element[] = [];
  let failed = false;
  const parser = new StreamParser({
    onStreamStart: () => undefined,
    onStanza: (el) => found.push(el),
    onStreamEnd: () => undefined,
    onError: () => {
      failed = true;
    },
  }, LIMITS);
  parser.write(HEADER);
  parser.write(Buffer.from(text, 'utf8'));
  return !failed && found.length === 1 ? found[0] : undefined;
}
