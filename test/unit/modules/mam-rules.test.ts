// What a user archive holds (XEP-0313 §6.1.1, XEP-0334 hints), stanza-id handling (XEP-0359 §3,
// XEP-0313 §3.5) and archiving preferences (XEP-0441 §2.1, read, written and applied).
import assert from 'node:assert/strict';
import { xml, type Element } from '../../../src/xmpp/xml.js';
import { Jid } from '../../../src/xmpp/jid.js';
import { NS } from '../../../src/xmpp/ns.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import { addStanzaId, archivable, archivedText, prefsAllow, removeForgedIds } from '../../../src/modules/mam/rules.js';
import { prefsElement, readPrefs } from '../../../src/modules/mam/prefs.js';
import { thrownCondition } from '../../support/stanza-error.js';

const msg = (attrs: Record<string, string>, ...children: Element[]): Element => xml('message', { xmlns: NS.CLIENT, to: 'juliet@capulet.lit', ...attrs }, ...children);
const body = (): Element => xml('body', {}, 'hi');
const hint = (name: string): Element => xml(name, { xmlns: NS.HINTS });
const sid = (id: string, by: string): Element => xml('stanza-id', { xmlns: NS.SID, id, by });

describe('modules/mam rules', () => {
  describe('what is archived (§6.1.1, XEP-0334)', () => {
    it('normal and chat messages with a body', () => {
      assert.equal(archivable(msg({}, body())), true);
      assert.equal(archivable(msg({ type: 'chat' }, body())), true);
    });

    it('encrypted, retraction, reaction and invitation payloads without a body', () => {
      for (const [ns, name] of [[NS.OMEMO_LEGACY, 'encrypted'], [NS.OMEMO, 'encrypted'], [NS.OPENPGP, 'openpgp'], [NS.RETRACT, 'retract'], [NS.REACTIONS, 'reactions'], [NS.CONFERENCE, 'x']] as const) {
        assert.equal(archivable(msg({ type: 'chat' }, xml(name, { xmlns: ns }))), true, ns);
      }
    });

    it('not chat states, receipts or markers alone, nor an empty message', () => {
      assert.equal(archivable(msg({ type: 'chat' }, xml('composing', { xmlns: NS.CHATSTATES }))), false);
      assert.equal(archivable(msg({}, xml('received', { xmlns: 'urn:xmpp:receipts', id: 'x' }))), false);
      assert.equal(archivable(msg({}, xml('displayed', { xmlns: 'urn:xmpp:chat-markers:0', id: 'x' }))), false);
      assert.equal(archivable(msg({})), false);
      assert.equal(archivable(msg({}, xml('body', { xmlns: 'urn:example' }, 'not a body'))), false);
    });

    it('never errors or groupchat, and no headline without the store hint', () => {
      assert.equal(archivable(msg({ type: 'error' }, body(), hint('store'))), false);
      assert.equal(archivable(msg({ type: 'groupchat' }, body(), hint('store'))), false);
      assert.equal(archivable(msg({ type: 'headline' }, body())), false);
      assert.equal(archivable(msg({ type: 'headline' }, body(), hint('store'))), true);
    });

    it('no-store and no-permanent-store keep a message out, even with store (XEP-0334 §4.1, §4.2); store brings one in (§4.4)', () => {
      assert.equal(archivable(msg({}, body(), hint('no-store'))), false);
      assert.equal(archivable(msg({}, body(), hint('no-permanent-store'))), false);
      assert.equal(archivable(msg({}, body(), hint('store'), hint('no-permanent-store'))), false);
      assert.equal(archivable(msg({}, xml('displayed', { xmlns: 'urn:xmpp:chat-markers:0', id: 'x' }), hint('store'))), true);
    });
  });

  describe('stanza ids (XEP-0359 §3, XEP-0313 §3.5)', () => {
    it('removes only stanza-ids naming the account (compared prepared), and reports it', () => {
      const m = msg({}, body(), sid('forged', 'Juliet@Capulet.LIT'), sid('room', 'room@muc.lit'), xml('origin-id', { xmlns: NS.SID, id: 'o' }));
      assert.equal(removeForgedIds(m, 'juliet@capulet.lit'), true);
      assert.deepEqual(m.getChildren('stanza-id', NS.SID).map((s) => s.attrs.id), ['room']);
      assert.ok(m.getChild('origin-id', NS.SID));
      assert.equal(removeForgedIds(m, 'juliet@capulet.lit'), false);
    });

    it('adds the archive id with the account as by', () => {
      const m = msg({}, body());
      addStanzaId(m, 'abc', 'juliet@capulet.lit');
      assert.deepEqual(m.getChildren('stanza-id', NS.SID).map((s) => [s.attrs.id, s.attrs.by]), [['abc', 'juliet@capulet.lit']]);
    });

    it('archives the stanza in the client namespace, without ids naming the account, leaving the stanza as it was', () => {
      const m = xml('message', { xmlns: NS.SERVER, from: 'romeo@montague.lit/orchard', to: 'juliet@capulet.lit', id: 'm1' }, body(), sid('forged', 'juliet@capulet.lit'), sid('room', 'room@muc.lit'));
      const text = archivedText(m, 'juliet@capulet.lit');
      const back = parseStored(text)!;
      assert.equal(back.attrs.xmlns, NS.CLIENT);
      assert.deepEqual([back.attrs.from, back.attrs.id, back.getChildText('body')], ['romeo@montague.lit/orchard', 'm1', 'hi']);
      assert.deepEqual(back.getChildren('stanza-id', NS.SID).map((s) => s.attrs.id), ['room']);
      assert.equal(m.attrs.xmlns, NS.SERVER);
      assert.equal(m.getChildren('stanza-id', NS.SID).length, 2);
    });
  });

  describe('preferences (XEP-0441 §2.1)', () => {
    const romeo = Jid.parse('romeo@montague.lit/orchard');

    it('reads default and both lists, prepared, sorted and without duplicates; writes both lists even empty', () => {
      const p = readPrefs(xml('prefs', { xmlns: NS.MAM, default: 'roster' },
        xml('always', {}, xml('jid', {}, 'Romeo@Montague.lit'), xml('jid', {}, 'benvolio@montague.lit'), xml('jid', {}, 'romeo@montague.lit')),
        xml('never', {}, xml('jid', {}, 'montague.lit'))));
      assert.deepEqual(p, { default: 'roster', always: ['benvolio@montague.lit', 'romeo@montague.lit'], never: ['montague.lit'] });
      assert.deepEqual(readPrefs(xml('prefs', { xmlns: NS.MAM, default: 'never' })), { default: 'never', always: [], never: [] });
      assert.equal(prefsElement({ default: 'always', always: [], never: [] }).toString(), `<prefs xmlns="${NS.MAM}" default="always"><always/><never/></prefs>`);
      assert.deepEqual(readPrefs(prefsElement(p)), p, 'what is written reads back the same');
    });

    it('refuses a missing or unknown default and invalid JIDs with bad-request', () => {
      assert.equal(thrownCondition(() => readPrefs(xml('prefs', { xmlns: NS.MAM }))), 'bad-request');
      assert.equal(thrownCondition(() => readPrefs(xml('prefs', { xmlns: NS.MAM, default: 'sometimes' }))), 'bad-request');
      assert.equal(thrownCondition(() => readPrefs(xml('prefs', { xmlns: NS.MAM, default: 'always' }, xml('never', {}, xml('jid', {}, 'a@b@c'))))), 'bad-request');
    });

    it('applies never, then always, then the default; a bare entry covers every resource', () => {
      const p = { default: 'always' as const, always: [], never: [] };
      assert.equal(prefsAllow(p, romeo, false), true);
      assert.equal(prefsAllow({ ...p, default: 'never' }, romeo, true), false);
      assert.equal(prefsAllow({ ...p, default: 'roster' }, romeo, true), true);
      assert.equal(prefsAllow({ ...p, default: 'roster' }, romeo, false), false);
      assert.equal(prefsAllow({ default: 'never', always: ['romeo@montague.lit'], never: [] }, romeo, false), true);
      assert.equal(prefsAllow({ default: 'always', always: [], never: ['romeo@montague.lit/orchard'] }, romeo, true), false);
      assert.equal(prefsAllow({ default: 'always', always: [], never: ['romeo@montague.lit/other'] }, romeo, true), true);
      assert.equal(prefsAllow({ default: 'always', always: ['romeo@montague.lit'], never: ['romeo@montague.lit'] }, romeo, true), false, 'never wins');
    });
  });
});
