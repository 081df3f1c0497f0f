// Result Set Management (XEP-0059): reading a request's <set/> and building an answer's.
import assert from 'node:assert/strict';
import { xml } from '../../../src/xmpp/xml.js';
import { NS } from '../../../src/xmpp/ns.js';
import { readRsm, rsmAnswer } from '../../../src/xmpp/rsm.js';
import { thrownCondition } from '../../support/stanza-error.js';

const query = (...set: ReturnType<typeof xml>[]): ReturnType<typeof xml> => xml('query', { xmlns: 'urn:example' }, xml('set', { xmlns: NS.RSM }, ...set));

describe('xmpp/rsm', () => {
  it('reads max, after, before and index (§2.1-§2.3, §2.6)', () => {
    assert.deepEqual(readRsm(query(xml('max', {}, '10'), xml('after', {}, 'a1'))), { max: 10, after: 'a1' });
    assert.deepEqual(readRsm(query(xml('max', {}, ' 0 '), xml('before', {}, 'b1'), xml('index', {}, '7'))), { max: 0, before: 'b1', index: 7 });
  });

  it('reads an empty <before/> as the request for the last page (§2.5)', () => {
    assert.deepEqual(readRsm(query(xml('before'))), { before: '' });
  });

  it('is undefined without a <set/>, ignoring one in another namespace', () => {
    assert.equal(readRsm(xml('query')), undefined);
    assert.equal(readRsm(xml('query', {}, xml('set', { xmlns: 'urn:other' }, xml('max', {}, '1')))), undefined);
  });

  it('refuses a malformed <max/> or <index/> and an empty <after/> with bad-request', () => {
    for (const bad of [xml('max', {}, 'ten'), xml('max', {}, '-1'), xml('max', {}, '1.5'), xml('max'), xml('index', {}, 'x'), xml('after')]) {
      assert.equal(thrownCondition(() => readRsm(query(bad))), 'bad-request', bad.toString());
    }
  });

  it('reads a huge <max/> as a large number instead of failing', () => {
    assert.equal(readRsm(query(xml('max', {}, '99999999999999999999')))?.max, 2 ** 31 - 1);
  });

  it('answers with first (and its index), last and count, each only when known (§2.2, §2.7)', () => {
    assert.equal(rsmAnswer({ first: 'a', firstIndex: 0, last: 'z', count: 3 }).toString(),
      `<set xmlns="${NS.RSM}"><first index="0">a</first><last>z</last><count>3</count></set>`);
    assert.equal(rsmAnswer({ first: 'a', last: 'a' }).toString(), `<set xmlns="${NS.RSM}"><first>a</first><last>a</last></set>`);
    assert.equal(rsmAnswer({}).toString(), `<set xmlns="${NS.RSM}"/>`);
  });
});
