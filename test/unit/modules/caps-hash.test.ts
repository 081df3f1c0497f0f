// XEP-0115 §5: the verification string, checked against the XEP's own examples, and the rules
// that make a disco#info answer ill-formed (§5.4 step 3).
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { capsInput, readCaps, verificationString } from '../../../src/modules/caps/hash.js';

const DISCO = 'http://jabber.org/protocol/disco#info';
const feature = (v: string): Element => xml('feature', { var: v });
const field = (name: string, ...values: string[]): Element => xml('field', { var: name }, ...values.map((v) => xml('value', {}, v)));

/** §5.2: Exodus 0.9.1. */
const simple = (): Element => xml('query', { xmlns: DISCO },
  xml('identity', { category: 'client', type: 'pc', name: 'Exodus 0.9.1' }),
  feature('http://jabber.org/protocol/disco#info'),
  feature('http://jabber.org/protocol/disco#items'),
  feature('http://jabber.org/protocol/muc'),
  feature('http://jabber.org/protocol/caps'));

/** §5.3: Psi 0.11, two identities in two languages and a software-info form. */
const complex = (): Element => xml('query', { xmlns: DISCO, node: 'http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w=' },
  xml('identity', { 'xml:lang': 'en', category: 'client', name: 'Psi 0.11', type: 'pc' }),
  xml('identity', { 'xml:lang': 'el', category: 'client', name: 'Ψ 0.11', type: 'pc' }),
  feature('http://jabber.org/protocol/caps'),
  feature('http://jabber.org/protocol/disco#info'),
  feature('http://jabber.org/protocol/disco#items'),
  feature('http://jabber.org/protocol/muc'),
  xml('x', { xmlns: 'jabber:x:data', type: 'result' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:xmpp:dataforms:softwareinfo')),
    field('ip_version', 'ipv4', 'ipv6'),
    field('os', 'Mac'),
    field('os_version', '10.5.1'),
    field('software', 'Psi'),
    field('software_version', '0.11')));

describe('caps/hash (XEP-0115 §5)', () => {
  it('computes the simple example of §5.2: QgayPKawpkPSDYmwT/WM94uAlu0=', () => {
    assert.equal(capsInput(simple()), 'client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<');
    assert.equal(verificationString('sha-1', simple()), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('computes the complex example of §5.3 (languages, forms): q07IKJEyjvHSyhy//CH0CxmKi8w=', () => {
    assert.equal(verificationString('sha-1', complex()), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('the order of identities, features, forms, fields and values does not matter (§5.1 sorting)', () => {
    const q = complex();
    q.children.reverse();
    const form = q.getChild('x')!;
    form.children.reverse();
    assert.equal(verificationString('sha-1', q), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('other hash functions of the IANA registry give other strings; an unknown one gives none (§5.1 step 9)', () => {
    const sha256 = verificationString('sha-256', simple());
    assert.ok(sha256 && sha256 !== 'QgayPKawpkPSDYmwT/WM94uAlu0=' && Buffer.from(sha256, 'base64').length === 32);
    assert.equal(verificationString('md5', simple()), undefined);
  });

  it('an answer with a repeated feature, identity or form type is ill-formed (§5.4 steps 3.3-3.5)', () => {
    const dupFeature = simple();
    dupFeature.append(feature('http://jabber.org/protocol/muc'));
    assert.equal(capsInput(dupFeature), undefined);
    const dupIdentity = simple();
    dupIdentity.append(xml('identity', { category: 'client', type: 'pc', name: 'Exodus 0.9.1' }));
    assert.equal(capsInput(dupIdentity), undefined);
    const dupForm = complex();
    dupForm.append(xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:xmpp:dataforms:softwareinfo'))));
    assert.equal(capsInput(dupForm), undefined);
    const twoTypes = simple();
    twoTypes.append(xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'a'), xml('value', {}, 'b'))));
    assert.equal(capsInput(twoTypes), undefined);
  });

  it('a form without a hidden FORM_TYPE is ignored, not fatal (§5.4 step 3.6)', () => {
    const q = simple();
    q.append(xml('x', { xmlns: 'jabber:x:data', type: 'result' }, field('FORM_TYPE', 'urn:example'), field('x', 'y')));
    q.append(xml('x', { xmlns: 'jabber:x:data', type: 'result' }, field('no-type', 'y')));
    assert.equal(verificationString('sha-1', q), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('reads the caps annotation of a presence; one without node or ver is unusable (§4)', () => {
    const c = (attrs: Record<string, string>): Element => xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', ...attrs }));
    assert.deepEqual(readCaps(c({ hash: 'sha-1', node: 'http://code.google.com/p/exodus', ver: 'QgayPKawpkPSDYmwT/WM94uAlu0=' })),
      { hash: 'sha-1', node: 'http://code.google.com/p/exodus', ver: 'QgayPKawpkPSDYmwT/WM94uAlu0=' });
    assert.deepEqual(readCaps(c({ node: 'n', ver: 'legacy' })), { hash: '', node: 'n', ver: 'legacy' });
    assert.equal(readCaps(c({ hash: 'sha-1', ver: 'x' })), undefined);
    assert.equal(readCaps(xml('presence')), undefined);
  });
});
