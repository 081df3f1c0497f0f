// XEP-0049 pure rules: reserved namespaces (§2.3), which fragments a request names and the
// errors for malformed ones (§2.3), and how a set changes the stored document.
import assert from 'node:assert/strict';
import { applySet, isReserved, lookup, requestFragments } from '../../../src/modules/private/rules.js';
import { parseStored as parseOrUndefined } from '../../../src/xmpp/stored.js';
import { thrownCondition } from '../../support/stanza-error.js';

const parseStored = (text: string) => parseOrUndefined(text)!;

const query = (inner: string) => parseStored(`<iq xmlns='jabber:client'><query xmlns='jabber:iq:private'>${inner}</query></iq>`).getChildElements()[0]!;

const condition = thrownCondition;

describe('modules/private rules (XEP-0049)', () => {
  it('reserves jabber:*, http://jabber.org/* and vcard-temp, and an empty namespace (§2.3)', () => {
    for (const ns of ['jabber:iq:roster', 'jabber:x:data', 'http://jabber.org/protocol/disco#info', 'vcard-temp', '']) assert.equal(isReserved(ns), true, ns);
    for (const ns of ['storage:bookmarks', 'exodus:prefs', 'urn:xmpp:bookmarks:1', 'https://jabber.org/x', 'vcard-temp:x:update']) assert.equal(isReserved(ns), false, ns);
  });

  it('reads the fragments of a set, several allowed (§2.3)', () => {
    const frags = requestFragments(query("<a xmlns='urn:a'/><b xmlns='urn:a'/><c xmlns='urn:c'/>"), 'set');
    assert.deepEqual(frags.map((f) => [f.name, f.ns]), [['a', 'urn:a'], ['b', 'urn:a'], ['c', 'urn:c']]);
  });

  it('names prefixed fragments by local name and namespace', () => {
    const q = parseStored("<iq xmlns='jabber:client' xmlns:e='exodus:prefs'><query xmlns='jabber:iq:private'><e:exodus/></query></iq>").getChildElements()[0]!;
    const [f] = requestFragments(q, 'get');
    assert.deepEqual([f!.name, f!.ns], ['exodus', 'exodus:prefs']);
  });

  it('refuses an empty query, reserved namespaces and children without their own namespace with not-acceptable (§2.3)', () => {
    assert.equal(condition(() => requestFragments(query(''), 'get')), 'not-acceptable');
    assert.equal(condition(() => requestFragments(query('  '), 'set')), 'not-acceptable');
    assert.equal(condition(() => requestFragments(query("<x xmlns='jabber:iq:roster'/>"), 'set')), 'not-acceptable');
    assert.equal(condition(() => requestFragments(query('<x/>'), 'set')), 'not-acceptable');
    assert.equal(condition(() => requestFragments(query("<ok xmlns='urn:ok'/><x xmlns='vcard-temp'/>"), 'set')), 'not-acceptable');
  });

  it('refuses a get for more than one namespace, and a set naming one element twice, with bad-request (§2.3)', () => {
    assert.equal(condition(() => requestFragments(query("<a xmlns='urn:a'/><b xmlns='urn:b'/>"), 'get')), 'bad-request');
    assert.equal(condition(() => requestFragments(query("<a xmlns='urn:a'/><b xmlns='urn:a'/>"), 'get')), undefined);
    assert.equal(condition(() => requestFragments(query("<a xmlns='urn:a'>1</a><a xmlns='urn:a'>2</a>"), 'set')), 'bad-request');
  });

  it('replaces fragments of the same name and namespace, keeps the others, drops empty ones', () => {
    let doc = applySet(undefined, requestFragments(query("<a xmlns='urn:a'>1</a><b xmlns='urn:b'>2</b>"), 'set'));
    doc = parseStored(doc.toString());
    doc = applySet(doc, requestFragments(query("<a xmlns='urn:a'>3</a><b xmlns='urn:b'/><c xmlns='urn:a'>4</c>"), 'set'));
    doc = parseStored(doc.toString());
    const get = (inner: string) => lookup(doc, requestFragments(query(inner), 'get')[0]!);
    assert.equal(get("<a xmlns='urn:a'/>").getText(), '3');
    assert.equal(get("<c xmlns='urn:a'/>").getText(), '4');
    assert.equal(get("<b xmlns='urn:b'/>").toString(), '<b xmlns="urn:b"/>');
    assert.equal(doc.getChildElements().length, 2);
  });

  it('keeps an element that carries only attributes', () => {
    const doc = applySet(undefined, requestFragments(query("<flag xmlns='urn:f' on='yes'/>"), 'set'));
    assert.equal(doc.getChildElements().length, 1);
  });

  it('answers an empty element in the requested namespace when nothing is stored (§2.3)', () => {
    const f = requestFragments(query("<storage xmlns='storage:bookmarks'/>"), 'get')[0]!;
    assert.equal(lookup(undefined, f).toString(), '<storage xmlns="storage:bookmarks"/>');
  });
});
