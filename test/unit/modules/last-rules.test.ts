// XEP-0012 pure rules: who may see last activity (§3, §8), the stored record, the seconds and
// the reply element (§3, §5).
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { RosterItem, Subscription } from '../../../src/storage/types.js';
import { lastQuery, maySee, parseRecord, secondsSince, statusText } from '../../../src/modules/last/rules.js';

const item = (subscription: Subscription): RosterItem => ({ jid: 'bob@x', subscription, ask: false, approved: false, groups: [] });

describe('modules/last rules (XEP-0012)', () => {
  it('lets the user and contacts with a subscription from or both see last activity (§3, §8)', () => {
    assert.equal(maySee('alice@x', 'alice@x', undefined), true);
    assert.equal(maySee('bob@x', 'alice@x', item('from')), true);
    assert.equal(maySee('bob@x', 'alice@x', item('both')), true);
  });

  it('refuses strangers and contacts with a subscription of none or to (§3, §8)', () => {
    assert.equal(maySee('bob@x', 'alice@x', undefined), false);
    assert.equal(maySee('bob@x', 'alice@x', item('none')), false);
    assert.equal(maySee('bob@x', 'alice@x', item('to')), false);
    assert.equal(maySee('bob@x', 'alice@x', { ...item('none'), ask: true, approved: true }), false);
  });

  it('reads a stored record, and ignores one it cannot read', () => {
    assert.deepEqual(parseRecord('{"at":1000,"status":"gone"}'), { at: 1000, status: 'gone' });
    assert.deepEqual(parseRecord('{"at":1000}'), { at: 1000, status: '' });
    for (const bad of [undefined, '', 'not json', '{"status":"x"}', '{"at":"1000"}', 'null']) assert.equal(parseRecord(bad), undefined, String(bad));
  });

  it('counts whole seconds and never below zero', () => {
    assert.equal(secondsSince(1000, 1999), 0);
    assert.equal(secondsSince(1000, 4500), 3);
    assert.equal(secondsSince(5000, 1000), 0);
  });

  it('builds the reply with a seconds attribute and optional text (§2)', () => {
    assert.equal(lastQuery(0).toString(), '<query xmlns="jabber:iq:last" seconds="0"/>');
    assert.equal(lastQuery(903, 'Heading Home').toString(), '<query xmlns="jabber:iq:last" seconds="903">Heading Home</query>');
  });

  it('takes the status text without xml:lang first, else the first one', () => {
    assert.equal(statusText(xml('presence', { type: 'unavailable' })), '');
    assert.equal(statusText(xml('presence', {}, xml('status', { 'xml:lang': 'de' }, 'weg'), xml('status', {}, 'away'))), 'away');
    assert.equal(statusText(xml('presence', {}, xml('status', { 'xml:lang': 'de' }, 'weg'))), 'weg');
  });
});
