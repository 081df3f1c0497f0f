// RFC 6121 §3.1.3: a subscription request kept until the user answers it is stored as text and
// read back for redelivery at the user's next login. It is read with the server's own stream
// parser, so stored text meets the same restricted-XML rules (RFC 6120 §11) as anything read
// from a socket.
import { StreamParser } from '../../xmpp/stream-parser.js';
import { NS } from '../../xmpp/ns.js';
import type { Element } from '../../xmpp/xml.js';

const OPEN = Buffer.from(`<stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAMS}'>`, 'utf8');
/** The text was a stanza that passed the stream's limits when it arrived; these only bound the work. */
const LIMITS = { maxStanzaBytes: 16 * 1024 * 1024, maxDepth: 256, maxHeaderBytes: 1024 };

/** The one stanza in `text`, or undefined when it holds anything else. */
export function readStoredStanza(text: string): Element | undefined {
  const out: Element[] = [];
  let bad = false;
  const parser = new StreamParser({
    onStreamStart: () => undefined,
    onStanza: (el) => out.push(el),
    onStreamEnd: () => undefined,
    onError: () => {
      bad = true;
    },
  }, LIMITS);
  parser.write(OPEN);
  parser.write(Buffer.from(text, 'utf8'));
  return bad || out.length !== 1 ? undefined : out[0];
}
