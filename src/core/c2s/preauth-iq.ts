// IQs before authentication (RFC 6120 §6.4, §8): only those a module takes on the `iq/preauth`
// event (in-band registration, XEP-0077) are allowed; any other closes the stream.
import { StreamError } from '../../xmpp/errors.js';
import { iqPayload } from '../../xmpp/stanza.js';
import type { Element } from '../../xmpp/xml.js';
import type { C2sStream } from './stream.js';

export function handlePreauthIq(stream: C2sStream, el: Element): void | Promise<void> {
  const payload = iqPayload(el);
  const host = stream.host;
  if (!payload || !host || !host.events.has('iq/preauth')) throw new StreamError('not-authorized', 'authenticate first');
  const handled = host.events.fire('iq/preauth', {
    stanza: el, payload, remoteAddress: stream.transport.remoteAddress, secure: stream.transport.secure, connection: stream,
    reply: (stanza) => stream.sendStanza(stanza),
  });
  const check = (ok: boolean): void => {
    if (!ok) throw new StreamError('not-authorized', 'authenticate first');
  };
  return handled instanceof Promise ? handled.then(check) : check(handled);
}
