// MAM queries (XEP-0313 §4): reading the form, RSM set and flip-page, XEP-0082 dates, and the
// storage request with every bound as an exclusive id bound.
import assert from 'node:assert/strict';
import { xml, type Element } from '../../../src/xmpp/xml.js';
import { NS } from '../../../src/xmpp/ns.js';
import { parseDateTime, formatDateTime } from '../../../src/modules/mam/dates.js';
import { queryForm, readQuery, storageRequest } from '../../../src/modules/mam/query.js';
import { timeBound } from '../../../src/modules/mam/ids.js';
import { thrownCondition } from '../../support/stanza-error.js';

function query(fields: Record<string, string[]>, ...extra: Element[]): Element {
  const x = xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.MAM)));
  for (const [name, values] of Object.entries(fields)) x.append(xml('field', { var: name }, ...values.map((v) => xml('value', {}, v))));
  return xml('query', { xmlns: NS.MAM, queryid: 'q' }, x, ...extra);
}
const rsm = (...children: Element[]): Element => xml('set', { xmlns: NS.RSM }, ...children);

describe('modules/mam query', () => {
  describe('XEP-0082 DateTime', () => {
    it('reads UTC, offsets and fractions of a millisecond', () => {
      assert.equal(parseDateTime('2010-06-07T00:00:00Z'), Date.UTC(2010, 5, 7));
      assert.equal(parseDateTime('2010-06-07T02:30:00+02:30'), Date.UTC(2010, 5, 7));
      assert.equal(parseDateTime('2010-06-06T23:00:00-01:00'), Date.UTC(2010, 5, 7));
      assert.equal(parseDateTime('2010-06-07T00:00:00.5Z'), Date.UTC(2010, 5, 7) + 500);
      assert.ok(Math.abs(parseDateTime('2010-06-07T00:00:00.0015Z')! - (Date.UTC(2010, 5, 7) + 1.5)) < 1e-3);
      assert.equal(parseDateTime('0050-01-01T00:00:00Z'), new Date('0050-01-01T00:00:00Z').getTime(), 'years below 100 are not 19xx');
    });

    it('refuses what is not a DateTime', () => {
      for (const bad of ['2010-06-07', '2010-06-07T00:00:00', '2010-13-01T00:00:00Z', '2010-02-29T00:00:00Z', '2010-06-07T24:00:00Z', '2010-06-07T00:00:00+25:00', 'yesterday', '']) {
        assert.equal(parseDateTime(bad), undefined, bad);
      }
      assert.equal(parseDateTime('2012-02-29T00:00:00Z'), Date.UTC(2012, 1, 29), 'leap day');
    });

    it('writes UTC with milliseconds', () => {
      assert.equal(formatDateTime(Date.UTC(2010, 5, 7, 1, 2, 3, 4)), '2010-06-07T01:02:03.004Z');
    });
  });

  describe('reading', () => {
    it('reads every field, the RSM set, queryid and flip-page (§4.1, §4.3)', () => {
      const q = readQuery(query({ with: ['Juliet@Capulet.lit/Balcony'], start: ['2010-06-07T00:00:00Z'], end: ['2010-07-07T13:23:54Z'], 'after-id': ['a'], 'before-id': ['b'], ids: ['x', 'y'] },
        rsm(xml('max', {}, '10'), xml('before')), xml('flip-page', { xmlns: NS.MAM })), 250);
      assert.equal(q.queryId, 'q');
      assert.equal(q.with?.full, 'juliet@capulet.lit/Balcony');
      assert.equal(q.start, Date.UTC(2010, 5, 7));
      assert.equal(q.end, Date.UTC(2010, 6, 7, 13, 23, 54));
      assert.deepEqual([q.afterId, q.beforeId, q.ids], ['a', 'b', ['x', 'y']]);
      assert.deepEqual(q.rsm, { max: 10, before: '' });
      assert.equal(q.flip, true);
    });

    it('takes a query without form or set as "everything"', () => {
      const q = readQuery(xml('query', { xmlns: NS.MAM }), 250);
      assert.deepEqual([q.with, q.start, q.end, q.afterId, q.beforeId, q.ids, q.flip], [undefined, undefined, undefined, undefined, undefined, undefined, false]);
      assert.deepEqual(q.rsm, {});
    });

    it('refuses unknown fields with feature-not-implemented (§4.1.5), paging by index (XEP-0059 §2.6) and pubsub nodes (§6.1.3)', () => {
      assert.equal(thrownCondition(() => readQuery(query({ 'include-groupchat': ['true'] }), 250)), 'feature-not-implemented');
      assert.equal(thrownCondition(() => readQuery(query({ '{urn:example}text': ['x'] }), 250)), 'feature-not-implemented');
      assert.equal(thrownCondition(() => readQuery(query({}, rsm(xml('index', {}, '5'))), 250)), 'feature-not-implemented');
      assert.equal(thrownCondition(() => readQuery(xml('query', { xmlns: NS.MAM, node: 'urn:xmpp:mucsub:nodes:messages' }), 250)), 'feature-not-implemented');
    });

    it('refuses malformed forms with bad-request: dates, JIDs, several values, another FORM_TYPE, a non-submit form', () => {
      const cases: Element[] = [
        query({ start: ['last week'] }),
        query({ end: ['2010-06-07T25:00:00Z'] }),
        query({ with: ['a@b@c'] }),
        query({ 'after-id': ['a', 'b'] }),
        xml('query', { xmlns: NS.MAM }, xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'urn:other')))),
        xml('query', { xmlns: NS.MAM }, xml('x', { xmlns: NS.DATA_FORMS, type: 'form' })),
      ];
      for (const c of cases) assert.equal(thrownCondition(() => readQuery(c, 250)), 'bad-request', c.toString());
    });

    it('bounds the number of ids per query', () => {
      assert.equal(thrownCondition(() => readQuery(query({ ids: ['a', 'b', 'c'] }), 2)), 'policy-violation');
    });
  });

  describe('storage request', () => {
    it('keeps the tightest lower and upper bounds, exclusive, and names the ids that must exist (§4.1.3)', () => {
      const q = readQuery(query({ 'after-id': ['m'], 'before-id': ['x'] }, rsm(xml('after', {}, 'p'), xml('before', {}, 'z'))), 250);
      const r = storageRequest(q);
      assert.deepEqual([r.filter.after, r.filter.before, r.fromEnd], ['p', 'x', true]);
      assert.deepEqual(r.named, ['m', 'x', 'p', 'z']);
    });

    it('turns start and end into id bounds: start rounds up, end includes its millisecond (§4.1.2)', () => {
      const r = storageRequest(readQuery(query({ start: ['2010-06-07T00:00:00.0005Z'], end: ['2010-06-07T00:00:01.9999Z'] }), 250));
      const t = Date.UTC(2010, 5, 7);
      assert.deepEqual([r.filter.after, r.filter.before], [timeBound(t + 1), timeBound(t + 1000 + 999 + 1)]);
      assert.deepEqual(r.named, []);
    });

    it('an empty <before/> pages from the end without naming an id (§4.3.3)', () => {
      const r = storageRequest(readQuery(query({}, rsm(xml('before'))), 250));
      assert.deepEqual([r.filter.before, r.fromEnd, r.named], [undefined, true, []]);
    });

    it('with: a bare JID filters on it alone, a full JID on its resource too (§4.1.1)', () => {
      assert.deepEqual(storageRequest(readQuery(query({ with: ['romeo@montague.lit'] }), 250)).filter, { after: undefined, before: undefined, ids: undefined, with: 'romeo@montague.lit' });
      const full = storageRequest(readQuery(query({ with: ['romeo@montague.lit/orchard'] }), 250)).filter;
      assert.deepEqual([full.with, full.withResource], ['romeo@montague.lit', 'orchard']);
    });
  });

  it('offers the six fields with ids open and nothing required (§4.1, §4.1.5)', () => {
    const x = queryForm().getChild('x', NS.DATA_FORMS)!;
    assert.deepEqual(x.getChildren('field').map((f) => f.attrs.var), ['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id', 'ids']);
    assert.ok(x.getChildren('field')[6]!.getChild('validate', NS.XDATA_VALIDATE)?.getChild('open'));
  });
});
