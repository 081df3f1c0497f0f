// XEP-0077 payloads: the registration form (§3.1, §4, §6) and reading submissions.
import assert from 'node:assert/strict';
import { xml } from '../../../src/xmpp/xml.js';
import { NS } from '../../../src/xmpp/ns.js';
import { StanzaError } from '../../../src/xmpp/errors.js';
import { readSubmission, registeredQuery, registrationQuery } from '../../../src/modules/register/form.js';

const query = (...children: ReturnType<typeof xml>[]): ReturnType<typeof xml> => xml('query', { xmlns: NS.REGISTER }, ...children);
const form = (type: string, fields: Record<string, string>): ReturnType<typeof xml> =>
  xml('x', { xmlns: NS.DATA_FORMS, type }, ...Object.entries(fields).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v))));
const fieldVars = (q: ReturnType<typeof xml>): string[] =>
  (q.getChild('x', NS.DATA_FORMS)?.getChildren('field') ?? []).map((f) => f.attrs.var as string);
const condition = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StanzaError);
    return err.condition;
  }
  return 'none';
};

describe('register module: XEP-0077 payloads', () => {
  it('an open host offers instructions, <username/>, <password/> and an equivalent data form (§3.1, §6)', () => {
    const q = registrationQuery('example.org', 'open', 8);
    assert.equal(q.getNS(), NS.REGISTER);
    assert.match(q.getChildText('instructions') ?? '', /at least 8 characters/);
    assert.ok(q.getChild('username'));
    assert.ok(q.getChild('password'));
    assert.deepEqual(fieldVars(q), ['FORM_TYPE', 'username', 'password']);
    const formType = q.getChild('x')!.getChildren('field')[0]!;
    assert.equal(formType.attrs.type, 'hidden');
    assert.equal(formType.getChildText('value'), 'jabber:iq:register');
  });

  it('an invite host asks for a token in the form only, with instructions and no legacy fields (§4 rule 1, §6)', () => {
    const q = registrationQuery('example.org', 'invite', 8);
    assert.equal(q.getChild('username'), undefined);
    assert.equal(q.getChild('password'), undefined);
    assert.ok(q.getChildText('instructions'));
    assert.deepEqual(fieldVars(q), ['FORM_TYPE', 'username', 'password', 'token']);
    const token = q.getChild('x')!.getChildren('field').find((f) => f.attrs.var === 'token')!;
    assert.ok(token.getChild('required'));
  });

  it('a registered account gets <registered/> and its username (§3.1)', () => {
    const q = registeredQuery('juliet');
    assert.ok(q.getChild('registered'));
    assert.equal(q.getChildText('username'), 'juliet');
  });

  it('reads the fixed fields of a submission', () => {
    const sub = readSubmission(query(xml('username', {}, 'bill'), xml('password', {}, 'Calliope')));
    assert.deepEqual(sub, { username: 'bill', password: 'Calliope', token: undefined, remove: false });
  });

  it('reads an empty <password/> as an empty string, so it can be refused (§3.1, §3.3)', () => {
    assert.equal(readSubmission(query(xml('username', {}, 'bill'), xml('password'))).password, '');
  });

  it('prefers a submitted data form over the fixed fields (§4 rule 5)', () => {
    const sub = readSubmission(query(xml('username', {}, 'legacy'), form('submit', { FORM_TYPE: 'jabber:iq:register', username: 'juliet', password: 'R0m30-secret', token: 'abc' })));
    assert.deepEqual(sub, { username: 'juliet', password: 'R0m30-secret', token: 'abc', remove: false });
  });

  it('accepts the change-password FORM_TYPE and refuses an unknown one with bad-request (§13.4)', () => {
    assert.equal(readSubmission(query(form('submit', { FORM_TYPE: 'jabber:iq:register:changepassword', password: 'x' }))).password, 'x');
    assert.equal(condition(() => readSubmission(query(form('submit', { FORM_TYPE: 'urn:example:other', password: 'x' })))), 'bad-request');
  });

  it('a cancelled form carries no data', () => {
    assert.deepEqual(readSubmission(query(form('cancel', {}))), { username: undefined, password: undefined, token: undefined, remove: false });
  });

  it('reads prefixed elements by their namespace (Namespaces in XML)', () => {
    const q = xml('r:query', { 'xmlns:r': NS.REGISTER }, xml('r:username', {}, 'bill'), xml('r:password', {}, 'Calliope'));
    assert.deepEqual(readSubmission(q), { username: 'bill', password: 'Calliope', token: undefined, remove: false });
    assert.equal(readSubmission(xml('r:query', { 'xmlns:r': NS.REGISTER }, xml('r:remove'))).remove, true);
    assert.equal(readSubmission(query(xml('remove', { xmlns: 'urn:example:other' }))).remove, false, 'another namespace is not a <remove/>');
  });

  it('reads <remove/>, and refuses it beside other children with bad-request (§3.2)', () => {
    assert.equal(readSubmission(query(xml('remove'))).remove, true);
    assert.equal(condition(() => readSubmission(query(xml('remove'), xml('username', {}, 'bill')))), 'bad-request');
  });
});
