// What a test client has received by now, deterministically: it pings the server and collects
// everything that arrives before the answer. A stream handles its stanzas in order and a
// connection writes in order, so the answer comes after all the server sent the client because
// of stanzas handled earlier (by any stream that was itself synced first).
import xml, { type Element } from '@xmpp/xml';
import type { RawClient } from './raw-client.js';

let seq = 0;

export async function receivedBeforePing(c: RawClient): Promise<Element[]> {
  const id = `sync${++seq}`;
  const seen: Element[] = [];
  c.send(xml('iq', { type: 'get', id, to: c.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  await c.expect((e) => {
    if (e.name === 'iq' && e.attrs.id === id) return true;
    seen.push(e);
    return false;
  });
  return seen;
}

/** Everything that arrives up to and including the first element that matches (bounded wait). */
export async function receivedUntil(c: RawClient, match: (el: Element) => boolean, timeoutMs = 5000): Promise<Element[]> {
  const seen: Element[] = [];
  await c.expect((e) => {
    seen.push(e);
    return match(e);
  }, timeoutMs);
  return seen;
}
