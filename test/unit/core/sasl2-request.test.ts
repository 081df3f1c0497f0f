// Reading a SASL2 <authenticate/> (XEP-0388 §"Initiation") with its Bind 2, resumption and FAST
// parts: what is malformed fails before any exchange, with the condition that fits.
import assert from 'node:assert/strict';
import { readAuthenticate, type RequestRules } from '../../../src/core/c2s/sasl2/request.js';
import { SaslFailure, type SaslCondition } from '../../../src/xmpp/errors.js';
import { xml, type Element } from '../../../src/xmpp/xml.js';

const SASL2 = 'urn:xmpp:sasl:2';
const FAST = 'urn:xmpp:fast:0';
const UA = 'D4565FA7-4D72-4749-B3D3-740EDBF87770';
const RULES: RequestRules = { fastMechanisms: ['HT-SHA-256-NONE'] };

const auth = (...children: Element[]): Element => xml('authenticate', { xmlns: SASL2, mechanism: 'SCRAM-SHA-256' }, ...children);
const agent = (id = UA): Element => xml('user-agent', { id }, xml('software', {}, 'AwesomeXMPP'));

function failure(el: Element, rules = RULES): SaslCondition | undefined {
  try {
    readAuthenticate(el, rules);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SaslFailure);
    return err.condition;
  }
}

describe('SASL2 <authenticate/> requests (XEP-0388, XEP-0386, XEP-0484)', () => {
  it('reads the mechanism, initial response (whitespace tolerated), user-agent id (lower-cased), bind, resume, fast and request-token', () => {
    const r = readAuthenticate(auth(
      xml('initial-response', {}, '\n  biwsbj11c2Vy\n  LHI9YWJj\n'), agent(),
      xml('bind', { xmlns: 'urn:xmpp:bind:0' }, xml('tag', {}, 'T')),
      xml('resume', { xmlns: 'urn:xmpp:sm:3', previd: 'x', h: '3' }),
      xml('fast', { xmlns: FAST, invalidate: '1', count: '7' }),
      xml('request-token', { xmlns: FAST, mechanism: 'HT-SHA-256-NONE' }),
    ), RULES);
    assert.equal(r.mechanism, 'SCRAM-SHA-256');
    assert.equal(r.initial?.toString(), 'n,,n=user,r=abc');
    assert.equal(r.clientId, UA.toLowerCase());
    assert.equal(r.bind?.getChildText('tag'), 'T');
    assert.equal(r.resume?.attrs.previd, 'x');
    assert.deepEqual(r.fast, { invalidate: true });
    assert.equal(r.requestToken, 'HT-SHA-256-NONE');
  });

  it('an absent initial response, user agent and FAST parts are just absent', () => {
    const r = readAuthenticate(auth(), RULES);
    assert.deepEqual([r.initial, r.clientId, r.bind, r.resume, r.fast, r.requestToken], [undefined, undefined, undefined, undefined, undefined, undefined]);
    assert.equal(readAuthenticate(auth(xml('initial-response', {})), RULES).initial?.length, 0, 'an empty element is empty data (§"SASL Data Encoding")');
    assert.equal(readAuthenticate(auth(xml('initial-response', {}, '*')), RULES).initial, null, 'not base64');
  });

  it('fails a missing mechanism, duplicates, a user-agent id that does not fit, and a bad invalidate with malformed-request', () => {
    assert.equal(failure(xml('authenticate', { xmlns: SASL2 })), 'malformed-request');
    assert.equal(failure(auth(xml('initial-response', {}, 'AA=='), xml('initial-response', {}, 'AA=='))), 'malformed-request');
    assert.equal(failure(auth(agent(), agent())), 'malformed-request');
    assert.equal(failure(auth(agent(''))), 'malformed-request');
    assert.equal(failure(auth(agent('my phone'))), 'malformed-request');
    assert.equal(failure(auth(agent('x'.repeat(65)))), 'malformed-request');
    assert.equal(failure(auth(xml('bind', { xmlns: 'urn:xmpp:bind:0' }), xml('bind', { xmlns: 'urn:xmpp:bind:0' }))), 'malformed-request');
    assert.equal(failure(auth(xml('fast', { xmlns: FAST, invalidate: 'yes' }))), 'malformed-request');
  });

  it('a user-agent id that is no UUID is kept as it is; a UUID is compared in lower case', () => {
    assert.equal(readAuthenticate(auth(agent('not-a-uuid')), RULES).clientId, 'not-a-uuid');
    assert.equal(readAuthenticate(auth(agent('x'.repeat(64))), RULES).clientId, 'x'.repeat(64));
    assert.equal(readAuthenticate(auth(agent(UA.toUpperCase())), RULES).clientId, UA.toLowerCase());
  });

  it('a token request needs an offered FAST mechanism (invalid-mechanism) and a user-agent id (malformed-request); ignored when FAST is off', () => {
    const request = (mechanism?: string): Element => xml('request-token', mechanism === undefined ? { xmlns: FAST } : { xmlns: FAST, mechanism });
    assert.equal(failure(auth(agent(), request('HT-SHA-256-ENDP'))), 'invalid-mechanism');
    assert.equal(failure(auth(agent(), request())), 'invalid-mechanism');
    assert.equal(failure(auth(request('HT-SHA-256-NONE'))), 'malformed-request');
    assert.equal(readAuthenticate(auth(request('HT-SHA-256-NONE')), { fastMechanisms: [] }).requestToken, undefined);
  });

  it('elements of the right name in other namespaces are not taken for SASL2 ones', () => {
    const r = readAuthenticate(auth(xml('user-agent', { xmlns: 'urn:example', id: 'whatever' }), xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' })), RULES);
    assert.deepEqual([r.clientId, r.bind], [undefined, undefined]);
  });
});
