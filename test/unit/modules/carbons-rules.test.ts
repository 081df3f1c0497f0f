// Which messages Message Carbons copy (XEP-0280 §6.1, §9, §11; XEP-0334 §4.3), what a copy
// looks like (§7, §8, XEP-0297), and which resources core delivery gives the message itself.
import assert from 'node:assert/strict';
import { carbon, carriesCarbon, eligible, forwardedCopy } from '../../../src/modules/carbons/rules.js';
import { deliveredTo } from '../../../src/modules/carbons/targets.js';
import type { ClientSession } from '../../../src/core/module-api.js';
import { Jid } from '../../../src/xmpp/jid.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import { xml, type Element } from '../../../src/xmpp/xml.js';

function msg(attrs: string, inner = ''): Element {
  const el = parseStored(`<message ${attrs}>${inner}</message>`);
  assert.ok(el, 'test stanza parses');
  return el;
}

const BODY = '<body>hi</body>';
const PRIVATE = "<private xmlns='urn:xmpp:carbons:2'/>";
const NO_COPY = "<no-copy xmlns='urn:xmpp:hints'/>";

describe('modules/carbons: eligible messages (XEP-0280 §6.1)', () => {
  it('copies chat messages, with or without a body, both ways', () => {
    for (const dir of ['sent', 'received'] as const) {
      assert.equal(eligible(msg("type='chat'", BODY), dir), true);
      assert.equal(eligible(msg("type='chat'", "<active xmlns='http://jabber.org/protocol/chatstates'/>"), dir), true);
    }
  });

  it('copies normal messages with a body only', () => {
    assert.equal(eligible(msg('', BODY), 'received'), true);
    assert.equal(eligible(msg("type='normal'", BODY), 'received'), true);
    assert.equal(eligible(msg("type='normal'", "<x xmlns='urn:example'/>"), 'received'), false);
  });

  it('copies receipts, chat states and markers in any message that is not group chat', () => {
    for (const payload of ["<received xmlns='urn:xmpp:receipts' id='1'/>", "<displayed xmlns='urn:xmpp:chat-markers:0' id='1'/>", "<gone xmlns='http://jabber.org/protocol/chatstates'/>"]) {
      assert.equal(eligible(msg("type='normal'", payload), 'sent'), true, payload);
      assert.equal(eligible(msg("type='headline'", payload), 'sent'), true, payload);
    }
  });

  it('does not copy headlines, group chat, or errors that echo nothing eligible', () => {
    assert.equal(eligible(msg("type='headline'", BODY), 'received'), false);
    assert.equal(eligible(msg("type='groupchat'", BODY), 'received'), false);
    assert.equal(eligible(msg("type='error'", "<error type='cancel'/>"), 'received'), false);
  });

  it('copies an error that echoes an eligible message (its body or IM payload)', () => {
    assert.equal(eligible(msg("type='error'", `${BODY}<error type='cancel'/>`), 'received'), true);
  });

  it('does not copy a message with <private/> or <no-copy/>, nor an error echoing one (§9, XEP-0334 §4.3)', () => {
    for (const mark of [PRIVATE, NO_COPY, PRIVATE + NO_COPY]) {
      assert.equal(eligible(msg("type='chat'", BODY + mark), 'sent'), false);
      assert.equal(eligible(msg("type='chat'", BODY + mark), 'received'), false);
      assert.equal(eligible(msg("type='error'", `${BODY}${mark}<error type='cancel'/>`), 'received'), false);
    }
  });

  it('never copies a carbon, and recognises one (§11)', () => {
    for (const kind of ['sent', 'received']) {
      const m = msg("type='chat'", `<${kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'>${BODY}</message></forwarded></${kind}>`);
      assert.equal(carriesCarbon(m), true);
      assert.equal(eligible(m, 'received'), false);
    }
    assert.equal(carriesCarbon(msg("type='chat'", `<received xmlns='urn:xmpp:receipts' id='1'/>${BODY}`)), false);
  });

  it('copies invitations; not private messages from room occupants, but those sent to them (MUC rules)', () => {
    const mucX = "<x xmlns='http://jabber.org/protocol/muc#user'/>";
    assert.equal(eligible(msg("from='room@muc.example/nick' type='chat'", BODY + mucX), 'received'), false);
    assert.equal(eligible(msg("to='room@muc.example/nick' type='chat'", BODY + mucX), 'sent'), true);
    assert.equal(eligible(msg("from='room@muc.example'", "<x xmlns='http://jabber.org/protocol/muc#user'><invite from='a@b'/></x>"), 'received'), true);
    assert.equal(eligible(msg("from='a@b/c'", "<x xmlns='jabber:x:conference' jid='room@muc.example'/>"), 'received'), true);
  });
});

describe('modules/carbons: the copy (XEP-0280 §7, §8, XEP-0297)', () => {
  it('wraps a copy of the message, namespace kept, from the bare JID to the resource, same type', () => {
    const original = msg("from='bob@b/x' to='alice@a/1' type='chat' id='m1'", BODY);
    const before = original.toString();
    const c = carbon('received', forwardedCopy(original, 'alice@a'), 'alice@a', 'alice@a/2');
    assert.equal(c.toString(),
      '<message from="alice@a" to="alice@a/2" type="chat"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">' +
      '<message xmlns="jabber:client" from="bob@b/x" to="alice@a/1" type="chat" id="m1"><body>hi</body></message></forwarded></received></message>');
    assert.equal(original.toString(), before, 'the original is untouched');
    // A stanza a module built has no xmlns of its own: the copy gets one.
    const built = xml('message', { from: 'alice@a/1', type: 'chat' }, xml('body', {}, 'hi'));
    assert.equal(forwardedCopy(built, 'alice@a').attrs.xmlns, 'jabber:client');
    assert.equal(built.attrs.xmlns, undefined);
  });

  it('gives a sent message without a to the account as its to, and leaves out a missing type', () => {
    const original = msg("from='alice@a/1'", BODY);
    const c = carbon('sent', forwardedCopy(original, 'alice@a'), 'alice@a', 'alice@a/2');
    assert.equal(c.attrs.type, undefined);
    assert.equal(c.getChild('sent')!.getChild('forwarded')!.getChild('message')!.attrs.to, 'alice@a');
    assert.equal(original.attrs.to, undefined);
  });
});

describe('modules/carbons: who gets the message itself (RFC 6121 §8.5)', () => {
  const session = (resource: string, priority: number, available = true): ClientSession =>
    ({ jid: Jid.of('alice', 'a', resource), priority, available }) as ClientSession;
  const one = session('1', 5);
  const two = session('2', 5);
  const low = session('3', 0);
  const away = session('4', 9, false);
  const all = [one, two, low, away];

  it('a connected full JID gets it, available or not', () => {
    assert.deepEqual(deliveredTo(all, Jid.parse('alice@a/4'), 'chat'), [away]);
  });

  it('the bare JID, or for a chat message a resource not connected: the available ones of highest priority', () => {
    assert.deepEqual(deliveredTo(all, Jid.parse('alice@a'), 'chat'), [one, two]);
    assert.deepEqual(deliveredTo(all, Jid.parse('alice@a'), 'normal'), [one, two]);
    assert.deepEqual(deliveredTo(all, Jid.parse('alice@a/gone'), 'chat'), [one, two]);
  });

  it('other messages for a resource not connected reach nobody: they bounce or are dropped (RFC 6121 §8.5.3.2.1)', () => {
    for (const type of ['normal', 'headline', 'groupchat', 'error'] as const) {
      assert.equal(deliveredTo(all, Jid.parse('alice@a/gone'), type), undefined, type);
    }
  });

  it('headlines to every available resource of non-negative priority; errors and group chat to none', () => {
    assert.deepEqual(deliveredTo(all, Jid.parse('alice@a'), 'headline'), [one, two, low]);
    assert.deepEqual(deliveredTo(all, Jid.parse('alice@a'), 'error'), []);
    assert.deepEqual(deliveredTo(all, Jid.parse('alice@a'), 'groupchat'), []);
  });
});
