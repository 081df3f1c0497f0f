// Message archive requests over real sockets with SQLite storage (XEP-0313), besides reading
// messages: preferences (XEP-0441), the query form, the errors of bad queries (with XEP-0059
// paging) and metadata. What is archived and how is in mam.test.ts.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { errorCondition } from '../support/raw-client.js';
import { MAM, chat, mamQuery, stanzaIds, type MamRequest } from '../support/mam.js';
import { mamSuite } from '../support/mam-suite.js';

describe('message archive (XEP-0313): preferences, query form, query errors, metadata', () => {
  const { online, exchange, all } = mamSuite();

  it('preferences: default always with empty lists; set is answered with what applies; never, always and roster decide (XEP-0441 §2.1)', async () => {
    const owner = await online('picky');
    const friend = await online('friend');
    const stranger = await online('stranger');
    const blocked = await online('nosy');
    const prefsIq = (type: 'get' | 'set', body?: Element): Element => xml('iq', { type }, body ?? xml('prefs', { xmlns: MAM }));
    const current = await owner.iq(prefsIq('get'));
    assert.equal(current.getChild('prefs', MAM)?.attrs.default, 'always');
    assert.ok(current.getChild('prefs', MAM)?.getChild('always') && current.getChild('prefs', MAM)?.getChild('never'), 'both lists present, even empty');

    const set = await owner.iq(prefsIq('set', xml('prefs', { xmlns: MAM, default: 'roster' },
      xml('always', {}, xml('jid', {}, 'stranger@localhost')),
      xml('never', {}, xml('jid', {}, 'nosy@localhost'), xml('jid', {}, 'friend@localhost/secret')))));
    assert.equal(set.attrs.type, 'result');
    const applied = set.getChild('prefs', MAM)!;
    assert.equal(applied.attrs.default, 'roster');
    assert.deepEqual(applied.getChild('never')!.getChildren('jid').map((j) => j.getText()), ['friend@localhost/secret', 'nosy@localhost']);
    assert.deepEqual((await owner.iq(prefsIq('get'))).getChild('prefs', MAM)!.toString(), applied.toString());

    // friend is not on the roster yet: not archived under 'roster'.
    await exchange(friend, owner, chat('picky@localhost', 'before roster'));
    const roster = await owner.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: 'friend@localhost' }))));
    assert.equal(roster.attrs.type, 'result');
    const kept = await exchange(friend, owner, chat('picky@localhost', 'on roster'));
    assert.equal(stanzaIds(kept).length, 1);
    const fromStranger = await exchange(stranger, owner, chat('picky@localhost', 'always'));
    assert.equal(stanzaIds(fromStranger).length, 1);
    const fromNosy = await exchange(blocked, owner, chat('picky@localhost', 'never'));
    assert.deepEqual(stanzaIds(fromNosy), []);
    assert.deepEqual((await all(owner)).messages.map((m) => m.getChildText('body')), ['on roster', 'always']);

    const bad = await owner.iq(prefsIq('set', xml('prefs', { xmlns: MAM, default: 'sometimes' })));
    assert.equal(errorCondition(bad), 'bad-request');
    const theirs = await stranger.iq(xml('iq', { type: 'get', to: 'picky@localhost' }, xml('prefs', { xmlns: MAM })));
    assert.equal(errorCondition(theirs), 'forbidden');
  });

  it('answers a form request with the supported fields, ids open (§4.1.5)', async () => {
    const c = await online('formy');
    const res = await c.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: MAM })));
    const x = res.getChild('query', MAM)!.getChild('x', 'jabber:x:data')!;
    assert.equal(x.attrs.type, 'form');
    const fields = x.getChildren('field');
    assert.deepEqual(fields.map((f) => [f.attrs.var, f.attrs.type]), [
      ['FORM_TYPE', 'hidden'], ['with', 'jid-single'], ['start', 'text-single'], ['end', 'text-single'],
      ['before-id', 'text-single'], ['after-id', 'text-single'], ['ids', 'list-multi'],
    ]);
    assert.ok(fields[6]!.getChild('validate', 'http://jabber.org/protocol/xdata-validate')?.getChild('open'));
    assert.ok(fields.every((f) => !f.getChild('required')), 'no field is required (§4.1)');
  });

  it('answers bad queries with the errors of §4 and XEP-0059', async () => {
    const c = await online('asker');
    const other = await online('owner2');
    await exchange(c, other, chat('owner2@localhost', 'one'));
    const cases: [MamRequest, string][] = [
      [{ fields: { 'x-unknown': 'v' } }, 'feature-not-implemented'],
      [{ fields: { start: 'yesterday' } }, 'bad-request'],
      [{ fields: { end: '2024-02-30T00:00:00Z' } }, 'bad-request'],
      [{ fields: { with: 'not a@jid@' } }, 'bad-request'],
      [{ fields: { start: ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'] } }, 'bad-request'],
      [{ formType: 'urn:example:other', fields: {} }, 'bad-request'],
      [{ fields: { 'after-id': 'unknown-id' } }, 'item-not-found'],
      [{ fields: { 'before-id': 'unknown-id' } }, 'item-not-found'],
      [{ fields: { ids: ['unknown-id'] } }, 'item-not-found'],
      [{ after: 'unknown-id' }, 'item-not-found'],
      [{ before: 'unknown-id' }, 'item-not-found'],
      [{ index: 3, max: 10 }, 'feature-not-implemented'],
      [{ to: 'owner2@localhost' }, 'forbidden'],
    ];
    for (const [req, condition] of cases) {
      const res = await mamQuery(c, req);
      assert.equal(res.iq.attrs.type, 'error', JSON.stringify(req));
      assert.equal(errorCondition(res.iq), condition, JSON.stringify(req));
      assert.equal(res.results.length, 0);
    }
    const badMax = await c.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: MAM }, xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, 'ten')))));
    assert.equal(errorCondition(badMax), 'bad-request');
  });

  it('gives metadata: the first and last message, nothing for an empty archive (§5)', async () => {
    const a = await online('meta');
    const b = await online('metb');
    const md = async (): Promise<Element> => (await a.iq(xml('iq', { type: 'get' }, xml('metadata', { xmlns: MAM })))).getChild('metadata', MAM)!;
    assert.deepEqual((await md()).children, []);
    for (const body of ['1', '2', '3']) await exchange(b, a, chat('meta@localhost', body));
    const { ids } = await all(a);
    const m = await md();
    assert.equal(m.getChild('start')!.attrs.id, ids[0]);
    assert.equal(m.getChild('end')!.attrs.id, ids[2]);
    assert.match(m.getChild('end')!.attrs.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
