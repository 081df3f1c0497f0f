// Roster items on the wire and the checks on a roster set (RFC 6121 §2.1, §2.3.3, §2.5.3).
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { Jid } from '../../../src/xmpp/jid.js';
import { itemElement, LIMITS, NS_ROSTER, parseRosterSet, removedElement, sortGroups } from '../../../src/modules/roster/items.js';
import { thrownCondition } from '../../support/stanza-error.js';

const user = Jid.parse('juliet@example.com');
const query = (...items: ReturnType<typeof xml>[]) => xml('query', { xmlns: NS_ROSTER }, ...items);
const item = (attrs: Record<string, string>, ...groups: string[]) => xml('item', attrs, ...groups.map((g) => xml('group', {}, g)));

const condition = (fn: () => unknown): string => thrownCondition(fn) ?? 'none';

describe('roster: items and roster set checks (RFC 6121 §2)', () => {
  it('reads an item with name and groups, the JID prepared (§2.3.1)', () => {
    const r = parseRosterSet(query(item({ jid: 'Nurse@Example.COM', name: 'Nurse' }, 'Servants', 'Friends')), user);
    assert.equal(r.remove, false);
    if (r.remove) return;
    assert.equal(r.jid.bare, 'nurse@example.com');
    assert.equal(r.name, 'Nurse');
    assert.deepEqual(r.groups, ['Servants', 'Friends']);
  });

  it('reads subscription="remove" as a removal and ignores any other subscription, ask or approved value (§2.1.5)', () => {
    assert.equal(parseRosterSet(query(item({ jid: 'nurse@example.com', subscription: 'remove' })), user).remove, true);
    const r = parseRosterSet(query(item({ jid: 'nurse@example.com', subscription: 'both', ask: 'subscribe', approved: 'true' })), user);
    assert.equal(r.remove, false);
  });

  it('treats an empty name as no name', () => {
    const r = parseRosterSet(query(item({ jid: 'nurse@example.com', name: '' })), user);
    assert.ok(!r.remove && r.name === undefined);
  });

  it('refuses a set with more than one item, or none, with bad-request (§2.3.3)', () => {
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com' }), item({ jid: 'b@example.com' })), user)), 'bad-request');
    assert.equal(condition(() => parseRosterSet(query(), user)), 'bad-request');
  });

  it('refuses duplicate groups with bad-request (§2.3.3)', () => {
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com' }, 'X', 'X')), user)), 'bad-request');
  });

  it('refuses an empty group, and a name or group over 1023 bytes, with not-acceptable (§2.3.3)', () => {
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com' }, '')), user)), 'not-acceptable');
    const long = 'é'.repeat(512); // 1024 bytes
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com', name: long })), user)), 'not-acceptable');
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com' }, long)), user)), 'not-acceptable');
    const fits = 'x'.repeat(LIMITS.nameBytes);
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com', name: fits }, fits)), user)), 'none');
  });

  it('refuses more groups than the limit with not-acceptable', () => {
    const groups = Array.from({ length: LIMITS.groups + 1 }, (_, i) => `g${i}`);
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com' }, ...groups)), user)), 'not-acceptable');
  });

  it('refuses a malformed JID with jid-malformed, a missing one or a full JID with bad-request', () => {
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@b@c' })), user)), 'jid-malformed');
    assert.equal(condition(() => parseRosterSet(query(item({})), user)), 'bad-request');
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'a@example.com/res' })), user)), 'bad-request');
  });

  it('refuses an item for the user\'s own JID with not-allowed (server policy)', () => {
    assert.equal(condition(() => parseRosterSet(query(item({ jid: 'Juliet@example.com' })), user)), 'not-allowed');
  });

  it('shows ask="subscribe" for pending out and approved="true" only when set (§2.1.2)', () => {
    const el = itemElement({ jid: 'a@example.com', subscription: 'none', ask: true, approved: false, groups: ['G'], name: 'A' });
    assert.deepEqual(el.attrs, { jid: 'a@example.com', subscription: 'none', ask: 'subscribe', name: 'A' });
    assert.deepEqual(el.getChildren('group').map((g) => g.getText()), ['G']);
    const plain = itemElement({ jid: 'b@example.com', subscription: 'from', ask: false, approved: true, groups: [] });
    assert.deepEqual(plain.attrs, { jid: 'b@example.com', subscription: 'from', approved: 'true' });
    assert.deepEqual(removedElement('c@example.com').attrs, { jid: 'c@example.com', subscription: 'remove' });
  });

  it('sorts groups by code point, as the store does', () => {
    assert.deepEqual(sortGroups(['b', '\u{1F600}', 'a', '\uFF5E']), ['a', 'b', '\uFF5E', '\u{1F600}']);
  });
});
