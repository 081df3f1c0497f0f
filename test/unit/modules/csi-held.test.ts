// Client state indication (XEP-0352): which stanzas wait for an inactive client (classify.ts)
// and how the kept ones are sent on (held.ts): in order, a contact's latest presence only,
// everything before an urgent stanza, all at once past the limit.
import assert from 'node:assert/strict';
import { urgency } from '../../../src/modules/csi/classify.js';
import { HeldStanzas } from '../../../src/modules/csi/held.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import type { Element } from '../../../src/xmpp/xml.js';

function el(text: string): Element {
  const e = parseStored(text);
  assert.ok(e, 'test stanza parses');
  return e;
}

const CS = "xmlns='http://jabber.org/protocol/chatstates'";
const presence = (from: string, extra = ''): Element => el(`<presence from='${from}' ${extra}/>`);
const composing = (): Element => el(`<message type='chat'><composing ${CS}/></message>`);
const withBody = (): Element => el("<message type='chat'><body>hi</body></message>");

describe('modules/csi: what can wait', () => {
  it('presence updates wait, keyed by the sender; other presence is urgent', () => {
    assert.deepEqual(urgency(presence('bob@b/x')), { urgent: false, key: 'bob@b/x' });
    assert.deepEqual(urgency(presence('bob@b/x', "type='unavailable'")), { urgent: false, key: 'bob@b/x' });
    for (const type of ['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'error', 'probe']) {
      assert.equal(urgency(presence('bob@b/x', `type='${type}'`)).urgent, true, type);
    }
  });

  it('messages with only chat states, receipts, markers, PEP events, hints, ids or a thread wait', () => {
    for (const inner of [
      `<paused ${CS}/><thread>t</thread>`,
      "<received xmlns='urn:xmpp:receipts' id='1'/>",
      "<displayed xmlns='urn:xmpp:chat-markers:0' id='1'/><store xmlns='urn:xmpp:hints'/>",
      "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'/></event>",
      "<stanza-id xmlns='urn:xmpp:sid:0' id='1' by='a@b'/>",
    ]) assert.equal(urgency(el(`<message>${inner}</message>`)).urgent, false, inner);
  });

  it('a body, a subject, an unknown payload or an error is urgent; so are IQs', () => {
    assert.equal(urgency(withBody()).urgent, true);
    assert.equal(urgency(el('<message><subject>s</subject></message>')).urgent, true);
    assert.equal(urgency(el("<message><propose xmlns='urn:xmpp:jingle-message:0' id='1'/></message>")).urgent, true);
    assert.equal(urgency(el(`<message type='error'><composing ${CS}/></message>`)).urgent, true);
    assert.equal(urgency(el("<iq type='result' id='1'/>")).urgent, true);
  });

  it('a carbon is as urgent as the message it carries', () => {
    const wrap = (inner: string): Element => el(`<message><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'>${inner}</message></forwarded></received></message>`);
    assert.equal(urgency(wrap(`<composing ${CS}/>`)).urgent, false);
    assert.equal(urgency(wrap('<body>hi</body>')).urgent, true);
  });
});

describe('modules/csi: kept stanzas', () => {
  function setup(max = 10): { held: HeldStanzas; sent: Element[] } {
    const sent: Element[] = [];
    return { held: new HeldStanzas((s) => sent.push(s), max), sent };
  }

  it('takes nothing while active', () => {
    const { held } = setup();
    assert.equal(held.take(composing()), false);
    assert.equal(held.size, 0);
  });

  it('keeps only the latest presence of each contact, at the place of the latest', () => {
    const { held, sent } = setup();
    held.setInactive(true);
    const [b1, c1, typing, b2] = [presence('bob@b/x'), presence('carol@c/y'), composing(), presence('bob@b/x', "type='unavailable'")];
    for (const s of [b1, c1, typing, b2]) assert.equal(held.take(s), true);
    assert.equal(held.size, 3);
    held.setInactive(false);
    assert.deepEqual(sent, [c1, typing, b2]);
    assert.equal(held.size, 0);
  });

  it('sends everything kept before an urgent stanza, which goes on itself', () => {
    const { held, sent } = setup();
    held.setInactive(true);
    const p = presence('bob@b/x');
    const t = composing();
    held.take(p);
    held.take(t);
    assert.equal(held.take(withBody()), false, 'the urgent stanza is not kept');
    assert.deepEqual(sent, [p, t]);
  });

  it('sends all, the newest too, once one more than the limit would be kept', () => {
    const { held, sent } = setup(2);
    held.setInactive(true);
    const three = [composing(), composing(), composing()];
    for (const s of three) assert.equal(held.take(s), true);
    assert.deepEqual(sent, three);
    assert.equal(held.size, 0);
    // Replacement starts over after a flush.
    const p1 = presence('bob@b/x');
    const p2 = presence('bob@b/x');
    held.take(p1);
    held.take(p2);
    held.flush();
    assert.deepEqual(sent.slice(3), [p2]);
  });
});
