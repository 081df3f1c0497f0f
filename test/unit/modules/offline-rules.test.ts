// What the offline module stores: XEP-0160 §3 (message types), XEP-0334 §4.2/§4.4/§5 (hints) and
// RFC 6121 §8.5.3.2.1 (messages to a resource that is not online).
import assert from 'node:assert/strict';
import { decide, hasContent } from '../../../src/modules/offline/rules.js';
import { messageType } from '../../../src/xmpp/stanza.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import type { Element } from '../../../src/xmpp/xml.js';

/** A stanza as the stream parser builds it (namespaces resolved the same way). */
function msg(attrs: string, inner: string): Element {
  const el = parseStored(`<message ${attrs}>${inner}</message>`);
  assert.ok(el, 'test stanza parses');
  return el;
}

const BODY = '<body>hi</body>';
const HINTS = "xmlns='urn:xmpp:hints'";

describe('modules/offline: storage rules', () => {
  it('stores normal, chat and untyped messages with a body, to the bare JID (XEP-0160 §3)', () => {
    for (const attrs of ["type='normal'", "type='chat'", '']) assert.deepEqual(decide(msg(attrs, BODY), 'bare'), { store: true });
  });

  it('treats an unknown type as normal (RFC 6121 §5.2.2)', () => {
    assert.equal(messageType(msg("type='bogus'", BODY)), 'normal');
    assert.deepEqual(decide(msg("type='bogus'", BODY), 'bare'), { store: true });
  });

  it('never stores groupchat and error messages, whatever the hints (XEP-0160 §3, RFC 6121 §8.5.2.2.1, XEP-0334 §5)', () => {
    for (const type of ['groupchat', 'error']) {
      assert.deepEqual(decide(msg(`type='${type}'`, BODY), 'bare'), { store: false, reason: 'type' });
      assert.deepEqual(decide(msg(`type='${type}'`, `${BODY}<store ${HINTS}/>`), 'bare'), { store: false, reason: 'type' });
    }
  });

  it('does not store headlines, unless they carry the store hint (XEP-0160 §3, XEP-0334 §4.4)', () => {
    assert.deepEqual(decide(msg("type='headline'", BODY), 'bare'), { store: false, reason: 'type' });
    assert.deepEqual(decide(msg("type='headline'", `${BODY}<store ${HINTS}/>`), 'bare'), { store: true });
  });

  it('does not store a message with the no-store hint, even with a store hint too (XEP-0334 §4.2)', () => {
    assert.deepEqual(decide(msg("type='chat'", `${BODY}<no-store ${HINTS}/>`), 'bare'), { store: false, reason: 'no-store' });
    assert.deepEqual(decide(msg("type='chat'", `${BODY}<no-store ${HINTS}/><store ${HINTS}/>`), 'bare'), { store: false, reason: 'no-store' });
  });

  it('recognises hints by namespace, prefixed or not (XEP-0334 §4)', () => {
    assert.deepEqual(decide(msg("type='chat' xmlns:h='urn:xmpp:hints'", `${BODY}<h:no-store/>`), 'bare').store, false);
    assert.deepEqual(decide(msg("type='chat'", `${BODY}<no-store xmlns='urn:example:other'/>`), 'bare').store, true);
  });

  it('does not store chat-state-only messages (XEP-0160 §3) nor ones without content', () => {
    const composing = "<composing xmlns='http://jabber.org/protocol/chatstates'/>";
    assert.deepEqual(decide(msg("type='chat'", composing), 'bare'), { store: false, reason: 'no-content' });
    assert.deepEqual(decide(msg("type='chat'", `<thread>t1</thread>${composing}<origin-id xmlns='urn:xmpp:sid:0' id='x'/>`), 'bare'), { store: false, reason: 'no-content' });
    assert.deepEqual(decide(msg("type='chat'", ''), 'bare'), { store: false, reason: 'no-content' });
    assert.deepEqual(decide(msg("type='chat'", `${composing}${BODY}`), 'bare'), { store: true });
  });

  it('stores content outside the body: a subject, receipts, encrypted payloads (XEP-0334 §3.4)', () => {
    assert.ok(hasContent(msg('', '<subject>s</subject>')));
    assert.ok(hasContent(msg('', "<received xmlns='urn:xmpp:receipts' id='m1'/>")));
    assert.ok(hasContent(msg('', "<encrypted xmlns='eu.siacs.conversations.axolotl'><payload>x</payload></encrypted>")));
    assert.ok(!hasContent(msg('', "<active xmlns='http://jabber.org/protocol/chatstates'/><store xmlns='urn:xmpp:hints'/>")));
  });

  it('stores a message without body but with the store hint (XEP-0334 §4.4)', () => {
    assert.deepEqual(decide(msg("type='chat'", `<store ${HINTS}/>`), 'bare'), { store: true });
  });

  it('to a resource that is not online stores only chat messages, unless hinted (RFC 6121 §8.5.3.2.1)', () => {
    assert.deepEqual(decide(msg("type='chat'", BODY), 'full'), { store: true });
    assert.deepEqual(decide(msg("type='normal'", BODY), 'full'), { store: false, reason: 'type' });
    assert.deepEqual(decide(msg('', BODY), 'full'), { store: false, reason: 'type' });
    assert.deepEqual(decide(msg('', `${BODY}<store ${HINTS}/>`), 'full'), { store: true });
  });
});
