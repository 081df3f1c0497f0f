// The push module's pure parts (XEP-0357): reading <enable/> and <disable/> (§5, §6), which
// messages warrant a notification and when one is held, the publish request (§7), error answers
// (§7.1), and the in-memory state (bursts, the registration cache).
import assert from 'node:assert/strict';
import {
  disablesRegistration, heldForBare, heldForFull, parseDisable, parseEnable, publishIq, warrantsNotification,
} from '../../../src/modules/push/rules.js';
import { Bursts, RegistrationCache } from '../../../src/modules/push/state.js';
import type { ClientSession } from '../../../src/core/module-api.js';
import type { PushRegistration } from '../../../src/storage/types.js';
import { Jid } from '../../../src/xmpp/jid.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import type { Element } from '../../../src/xmpp/xml.js';
import { thrownCondition } from '../../support/stanza-error.js';

const PUSH = "xmlns='urn:xmpp:push:0'";
const OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';

/** An element as the stream parser builds it. */
function el(text: string): Element {
  const parsed = parseStored(text);
  assert.ok(parsed, text);
  return parsed;
}

const form = (formType: string, fields = ''): string =>
  `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>${formType}</value></field>${fields}</x>`;

const msg = (attrs: string, inner: string): Element => el(`<message xmlns='jabber:client' ${attrs}>${inner}</message>`);

function session(full: string, o: { available?: boolean; priority?: number; hibernating?: boolean } = {}): ClientSession {
  return { jid: Jid.parse(full), available: o.available ?? true, priority: o.priority ?? 0, hibernating: o.hibernating ?? false } as unknown as ClientSession;
}

describe('modules/push: rules', () => {
  describe('enable and disable (§5, §6)', () => {
    it('reads jid (prepared), node and the publish-options fields without FORM_TYPE', () => {
      const r = parseEnable(el(`<enable ${PUSH} jid='Push-5.Client.Example' node='yxs32'>${form(OPTIONS, "<field var='secret'><value>s</value></field><field var='multi'><value>1</value><value>2</value></field>")}</enable>`));
      assert.deepEqual(r, { jid: 'push-5.client.example', node: 'yxs32', options: [{ var: 'secret', values: ['s'] }, { var: 'multi', values: ['1', '2'] }] });
      assert.deepEqual(parseEnable(el(`<enable ${PUSH} jid='p.example' node='n'/>`)).options, []);
    });

    it('refuses a missing or empty jid or node with bad-request and an invalid jid with jid-malformed', () => {
      assert.equal(thrownCondition(() => parseEnable(el(`<enable ${PUSH} node='n'/>`))), 'bad-request');
      assert.equal(thrownCondition(() => parseEnable(el(`<enable ${PUSH} jid='' node='n'/>`))), 'bad-request');
      assert.equal(thrownCondition(() => parseEnable(el(`<enable ${PUSH} jid='p.example'/>`))), 'bad-request');
      assert.equal(thrownCondition(() => parseEnable(el(`<enable ${PUSH} jid='p.example' node=''/>`))), 'bad-request');
      assert.equal(thrownCondition(() => parseEnable(el(`<enable ${PUSH} jid='@p.example' node='n'/>`))), 'jid-malformed');
      assert.equal(thrownCondition(() => parseDisable(el(`<disable ${PUSH} node='n'/>`))), 'bad-request');
    });

    it('refuses forms other than one publish-options form (bad-request), and oversized node or options (not-acceptable)', () => {
      const enable = (inner: string, node = 'n'): Element => el(`<enable ${PUSH} jid='p.example' node='${node}'>${inner}</enable>`);
      assert.equal(thrownCondition(() => parseEnable(enable(form('urn:example')))), 'bad-request');
      assert.equal(thrownCondition(() => parseEnable(enable(form(OPTIONS) + form(OPTIONS)))), 'bad-request');
      assert.equal(thrownCondition(() => parseEnable(enable(form(OPTIONS, `<field var='big'><value>${'x'.repeat(5000)}</value></field>`)))), 'not-acceptable');
      assert.equal(thrownCondition(() => parseEnable(enable('', 'n'.repeat(1024)))), 'not-acceptable');
      assert.equal(thrownCondition(() => parseEnable(enable('', 'n'.repeat(1023)))), undefined);
    });

    it('disable without a node (or with an empty one) stands for every node of the JID', () => {
      assert.deepEqual(parseDisable(el(`<disable ${PUSH} jid='p.example'/>`)), { jid: 'p.example', node: undefined });
      assert.deepEqual(parseDisable(el(`<disable ${PUSH} jid='p.example' node=''/>`)), { jid: 'p.example', node: undefined });
      assert.deepEqual(parseDisable(el(`<disable ${PUSH} jid='p.example' node='n'/>`)), { jid: 'p.example', node: 'n' });
    });
  });

  describe('which messages warrant a notification', () => {
    it('chat, normal, untyped and unknown-type messages with a body do', () => {
      for (const attrs of ["type='chat'", "type='normal'", '', "type='bogus'"]) assert.equal(warrantsNotification(msg(attrs, '<body>hi</body>')), true, attrs);
    });

    it('encrypted content (OMEMO, OpenPGP for XMPP) and call invitations do without a body, prefixed or not', () => {
      assert.equal(warrantsNotification(msg("type='chat'", "<encrypted xmlns='eu.siacs.conversations.axolotl'/>")), true);
      assert.equal(warrantsNotification(msg("type='chat'", "<o:encrypted xmlns:o='urn:xmpp:omemo:2'/>")), true);
      assert.equal(warrantsNotification(msg("type='chat'", "<openpgp xmlns='urn:xmpp:openpgp:0'>x</openpgp>")), true);
      assert.equal(warrantsNotification(msg('', "<propose xmlns='urn:xmpp:jingle-message:0' id='c'/>")), true);
    });

    it('chat states, receipts and markers alone, a body of another namespace, errors, headlines and groupchat do not', () => {
      assert.equal(warrantsNotification(msg("type='chat'", "<composing xmlns='http://jabber.org/protocol/chatstates'/>")), false);
      assert.equal(warrantsNotification(msg("type='chat'", "<received xmlns='urn:xmpp:receipts' id='1'/><displayed xmlns='urn:xmpp:chat-markers:0' id='1'/>")), false);
      assert.equal(warrantsNotification(msg("type='chat'", "<body xmlns='urn:example'>x</body>")), false);
      for (const type of ['error', 'headline', 'groupchat']) assert.equal(warrantsNotification(msg(`type='${type}'`, '<body>hi</body>')), false, type);
    });

    it('a message with the no-store hint does not: it is not kept for the device (XEP-0334 §4.2)', () => {
      assert.equal(warrantsNotification(msg("type='chat'", "<body>hi</body><no-store xmlns='urn:xmpp:hints'/>")), false);
      assert.equal(warrantsNotification(msg("type='chat'", "<body>hi</body><no-permanent-store xmlns='urn:xmpp:hints'/>")), true);
    });
  });

  describe('when a message is held for devices that are away', () => {
    it('to the bare JID: offline without receiving resources, hibernated when a resource it goes to hibernates', () => {
      assert.equal(heldForBare([]), 'offline');
      assert.equal(heldForBare([session('a@x/1', { priority: -1 }), session('a@x/2', { available: false })]), 'offline');
      assert.equal(heldForBare([session('a@x/1')]), undefined);
      assert.equal(heldForBare([session('a@x/1'), session('a@x/2', { hibernating: true })]), 'hibernated');
      assert.equal(heldForBare([session('a@x/1', { priority: 5 }), session('a@x/2', { hibernating: true })]), undefined, 'the hibernated one is not a target');
    });

    it('to a full JID: that session when bound; otherwise as to the bare JID, where only chat goes offline (RFC 6121 §8.5.3.2.1)', () => {
      const chat = msg("type='chat'", '<body>hi</body>');
      const normal = msg('', '<body>hi</body>');
      const to = Jid.parse('a@x/1');
      assert.equal(heldForFull([session('a@x/1', { hibernating: true })], to, normal), 'hibernated');
      assert.equal(heldForFull([session('a@x/1', { available: false })], to, chat), undefined);
      assert.equal(heldForFull([], to, chat), 'offline');
      assert.equal(heldForFull([], to, normal), undefined);
      assert.equal(heldForFull([session('a@x/2', { hibernating: true })], to, normal), 'hibernated');
    });
  });

  describe('the notification (§7)', () => {
    const reg = { jid: 'push-5.client.example', node: 'yxs32uqsflafdk3iuqo', options: [{ var: 'secret', values: ['eruio234vzxc2kla-91'] }] };

    it('is a pubsub publish of a <notification/> with the summary form, and the publish options', () => {
      const iq = publishIq(reg, { messageCount: 1, pendingSubscriptions: 0, sender: 'juliet@capulet.example/balcony', body: 'Wherefore art thou, Romeo?' });
      assert.equal(iq.toString(),
        "<iq type=\"set\" to=\"push-5.client.example\"><pubsub xmlns=\"http://jabber.org/protocol/pubsub\"><publish node=\"yxs32uqsflafdk3iuqo\"><item>" +
        '<notification xmlns="urn:xmpp:push:0"><x xmlns="jabber:x:data" type="submit">' +
        '<field var="FORM_TYPE" type="hidden"><value>urn:xmpp:push:summary</value></field>' +
        '<field var="message-count"><value>1</value></field>' +
        '<field var="pending-subscription-count"><value>0</value></field>' +
        '<field var="last-message-sender"><value>juliet@capulet.example/balcony</value></field>' +
        '<field var="last-message-body"><value>Wherefore art thou, Romeo?</value></field>' +
        '</x></notification></item></publish><publish-options><x xmlns="jabber:x:data" type="submit">' +
        `<field var="FORM_TYPE" type="hidden"><value>${OPTIONS}</value></field>` +
        '<field var="secret"><value>eruio234vzxc2kla-91</value></field></x></publish-options></pubsub></iq>');
    });

    it('leaves out sender and body when not given, and publish-options when there are none', () => {
      const iq = publishIq({ ...reg, options: [] }, { messageCount: 3, pendingSubscriptions: 2 });
      const x = iq.getChild('pubsub')!.getChild('publish')!.getChild('item')!.getChild('notification')!.getChild('x')!;
      assert.deepEqual(x.getChildren('field').map((f) => f.attrs.var), ['FORM_TYPE', 'message-count', 'pending-subscription-count']);
      assert.equal(iq.getChild('pubsub')!.getChild('publish-options'), undefined);
    });

    it('an error answer disables the registration unless its type is wait or continue (§7.1)', () => {
      const answer = (type?: string): Element => el(`<iq xmlns='jabber:client' type='error'>${type ? `<error type='${type}'><x xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>` : ''}</iq>`);
      for (const t of ['cancel', 'auth', 'modify', undefined]) assert.equal(disablesRegistration(answer(t)), true, String(t));
      for (const t of ['wait', 'continue']) assert.equal(disablesRegistration(answer(t)), false, t);
    });
  });
});

describe('modules/push: state', () => {
  it('bursts: one notification per registration per interval, until the account or the registration is reset', () => {
    const b = new Bursts(60_000, 10);
    assert.equal(b.take('alice', 'r1', 0), true);
    assert.equal(b.take('alice', 'r1', 59_999), false);
    assert.equal(b.take('alice', 'r2', 1), true, 'per registration');
    assert.equal(b.take('alice', 'r1', 60_000), true, 'after the interval');
    b.resetRegistration('alice', 'r1');
    assert.equal(b.take('alice', 'r1', 60_000), true);
    assert.equal(b.take('alice', 'r2', 60_000), false);
    b.reset('alice');
    assert.equal(b.take('alice', 'r2', 60_002), true);
  });

  it('bursts: count the messages since the reset; only the newest accounts are kept', () => {
    const b = new Bursts(0, 2);
    assert.deepEqual([b.count('a'), b.count('a'), b.count('b')], [1, 2, 1]);
    b.reset('a');
    assert.equal(b.count('a'), 1);
    b.count('c');
    assert.equal(b.count('b'), 1, 'b was the oldest and was forgotten');
    assert.deepEqual([b.take('x', 'r', 5), b.take('x', 'r', 5)], [true, true], 'interval 0 never limits');
  });

  it('registration cache: loads once, loads again after forget, keeps no failure and at most `capacity` accounts', async () => {
    const loads: string[] = [];
    let fail = false;
    const reg: PushRegistration = { jid: 'p', node: 'n', options: [], updated: new Date(0) };
    const cache = new RegistrationCache(async (u) => {
      loads.push(u);
      if (fail) throw new Error('down');
      return [reg];
    }, 2);
    assert.deepEqual(await cache.get('a'), [reg]);
    await cache.get('a');
    assert.deepEqual(loads, ['a']);
    cache.forget('a');
    await cache.get('a');
    assert.deepEqual(loads, ['a', 'a']);
    fail = true;
    await assert.rejects(cache.get('b'));
    fail = false;
    await cache.get('b');
    assert.deepEqual(loads, ['a', 'a', 'b', 'b'], 'the failure was not kept');
    await cache.get('c'); // a is now the least recently used of three: dropped
    await cache.get('a');
    assert.deepEqual(loads.slice(4), ['c', 'a']);
  });
});
