// XEP-0191 pure rules: JID matching (§6), exemptions (§5), reading block/unblock items (§3.3-§3.5)
// and the targets of presence on block and unblock (§3.3, §3.4).
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { Jid } from '../../../src/xmpp/jid.js';
import { BlockSet, isExempt, parseItems, presenceTargets } from '../../../src/modules/blocking/rules.js';
import { thrownCondition } from '../../support/stanza-error.js';

const J = (s: string) => Jid.parse(s);
const NS = 'urn:xmpp:blocking';

const condition = thrownCondition;

describe('modules/blocking rules (XEP-0191)', () => {
  describe('BlockSet.matches (§6 JID matching)', () => {
    it('a full JID item matches only that resource', () => {
      const s = new BlockSet(['romeo@montague.net/orchard']);
      assert.equal(s.matches(J('romeo@montague.net/orchard')), true);
      assert.equal(s.matches(J('romeo@montague.net/balcony')), false);
      assert.equal(s.matches(J('romeo@montague.net')), false);
    });

    it('a bare JID item matches the bare JID and every resource of it', () => {
      const s = new BlockSet(['romeo@montague.net']);
      assert.equal(s.matches(J('romeo@montague.net')), true);
      assert.equal(s.matches(J('romeo@montague.net/any')), true);
      assert.equal(s.matches(J('benvolio@montague.net/any')), false);
      assert.equal(s.matches(J('montague.net')), false);
    });

    it('a domain/resource item matches only that JID', () => {
      const s = new BlockSet(['montague.net/bot']);
      assert.equal(s.matches(J('montague.net/bot')), true);
      assert.equal(s.matches(J('montague.net')), false);
      assert.equal(s.matches(J('romeo@montague.net/bot')), false);
    });

    it('a domain item matches the domain, every user@domain and every domain/resource', () => {
      const s = new BlockSet(['montague.net']);
      for (const j of ['montague.net', 'montague.net/x', 'romeo@montague.net', 'romeo@montague.net/orchard']) {
        assert.equal(s.matches(J(j)), true, j);
      }
      assert.equal(s.matches(J('romeo@sub.montague.net')), false);
      assert.equal(s.matches(J('capulet.com')), false);
    });

    it('an empty set matches nothing, and add/delete/clear/list keep a sorted set', () => {
      const s = new BlockSet();
      assert.equal(s.matches(J('a@b')), false);
      s.add('z@x');
      s.add('a@x');
      s.add('a@x');
      assert.deepEqual(s.list(), ['a@x', 'z@x']);
      s.delete('z@x');
      assert.deepEqual(s.list(), ['a@x']);
      s.clear();
      assert.equal(s.size, 0);
    });
  });

  describe('isExempt (§5: never block a user\'s own resources)', () => {
    const juliet = J('juliet@capulet.com/chamber');
    it('exempts the user\'s own bare and full JIDs and the user\'s own server', () => {
      assert.equal(isExempt(J('juliet@capulet.com'), juliet), true);
      assert.equal(isExempt(J('juliet@capulet.com/balcony'), juliet), true);
      assert.equal(isExempt(J('capulet.com'), juliet), true);
    });
    it('does not exempt others at the same domain, services at the domain or other domains', () => {
      assert.equal(isExempt(J('nurse@capulet.com'), juliet), false);
      assert.equal(isExempt(J('capulet.com/bot'), juliet), false);
      assert.equal(isExempt(J('juliet@montague.net'), juliet), false);
      assert.equal(isExempt(J('montague.net'), juliet), false);
    });
  });

  describe('parseItems (§3.3-§3.5)', () => {
    it('returns prepared JIDs without duplicates', () => {
      const el = xml('block', { xmlns: NS }, xml('item', { jid: 'Romeo@Montague.NET' }), xml('item', { jid: 'romeo@montague.net' }), xml('item', { jid: 'capulet.com' }));
      assert.deepEqual(parseItems(el, true).map((j) => j.full), ['romeo@montague.net', 'capulet.com']);
    });
    it('a block without items is bad-request; an unblock without items means all (§3.5)', () => {
      assert.equal(condition(() => parseItems(xml('block', { xmlns: NS }), true)), 'bad-request');
      assert.deepEqual(parseItems(xml('unblock', { xmlns: NS }), false), []);
    });
    it('an invalid jid is jid-malformed; a missing jid or another child is bad-request', () => {
      assert.equal(condition(() => parseItems(xml('block', { xmlns: NS }, xml('item', { jid: 'a@b@c' })), true)), 'jid-malformed');
      assert.equal(condition(() => parseItems(xml('block', { xmlns: NS }, xml('item', { jid: '' })), true)), 'jid-malformed');
      assert.equal(condition(() => parseItems(xml('block', { xmlns: NS }, xml('item')), true)), 'bad-request');
      assert.equal(condition(() => parseItems(xml('unblock', { xmlns: NS }, xml('jid', {}, 'a@b')), false)), 'bad-request');
    });
  });

  describe('presenceTargets (§3.3, §3.4: only JIDs allowed to receive presence)', () => {
    const roster = [
      { jid: 'romeo@montague.net', subscription: 'both' as const },
      { jid: 'benvolio@montague.net', subscription: 'from' as const },
      { jid: 'mercutio@montague.net', subscription: 'to' as const },
      { jid: 'tybalt@capulet.com', subscription: 'none' as const },
    ];
    const full = (js: Jid[]) => js.map((j) => j.full).sort();

    it('a bare item reaches the contact if subscribed from or both', () => {
      assert.deepEqual(full(presenceTargets([J('romeo@montague.net')], roster, () => false)), ['romeo@montague.net']);
      assert.deepEqual(full(presenceTargets([J('mercutio@montague.net'), J('tybalt@capulet.com')], roster, () => false)), []);
      assert.deepEqual(full(presenceTargets([J('stranger@x.org')], roster, () => false)), []);
    });
    it('a domain item reaches every such contact at the domain; a full item is addressed itself', () => {
      assert.deepEqual(full(presenceTargets([J('montague.net')], roster, () => false)), ['benvolio@montague.net', 'romeo@montague.net']);
      assert.deepEqual(full(presenceTargets([J('romeo@montague.net/orchard')], roster, () => false)), ['romeo@montague.net/orchard']);
    });
    it('skips targets the caller says need nothing (already or still blocked), without duplicates', () => {
      const still = new BlockSet(['romeo@montague.net']);
      assert.deepEqual(full(presenceTargets([J('montague.net'), J('benvolio@montague.net')], roster, (t) => still.matches(t))), ['benvolio@montague.net']);
    });
  });
});
