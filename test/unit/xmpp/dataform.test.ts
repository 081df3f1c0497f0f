// Data forms (XEP-0004): reading submissions (FORM_TYPE apart, booleans both spellings,
// multi-values) and building forms that read back the same.
import assert from 'node:assert/strict';
import { xml } from '../../../src/xmpp/xml.js';
import { NS } from '../../../src/xmpp/ns.js';
import { buildForm, fieldBoolean, fieldValue, findForm, readForm } from '../../../src/xmpp/dataform.js';

describe('xmpp/dataform', () => {
  const submit = xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:xmpp:mam:2')),
    xml('field', { var: 'with' }, xml('value', {}, 'juliet@example.com')),
    xml('field', { var: 'flag' }, xml('value', {}, 'true')),
    xml('field', { var: 'off' }, xml('value', {}, '0')),
    xml('field', { var: 'bad' }, xml('value', {}, 'yes')),
    xml('field', { var: 'ids' }, xml('value', {}, 'a'), xml('value', {}, 'b')),
    xml('field', {}, xml('value', {}, 'no var, ignored')));

  it('reads the FORM_TYPE apart from the fields', () => {
    const form = readForm(submit);
    assert.equal(form.type, 'submit');
    assert.equal(form.formType, 'urn:xmpp:mam:2');
    assert.deepEqual([...form.fields.keys()], ['with', 'flag', 'off', 'bad', 'ids']);
  });

  it('reads values, booleans in both spellings, and refuses other boolean text', () => {
    const form = readForm(submit);
    assert.equal(fieldValue(form, 'with'), 'juliet@example.com');
    assert.equal(fieldValue(form, 'missing'), undefined);
    assert.equal(fieldBoolean(form, 'flag'), true);
    assert.equal(fieldBoolean(form, 'off'), false);
    assert.equal(fieldBoolean(form, 'bad'), undefined);
    assert.deepEqual(form.fields.get('ids')!.values, ['a', 'b']);
  });

  it('finds a form child by FORM_TYPE', () => {
    const parent = xml('query', {}, xml('x', { xmlns: NS.DATA_FORMS, type: 'result' }), submit);
    assert.equal(findForm(parent, 'urn:xmpp:mam:2'), submit);
    assert.equal(findForm(parent, 'urn:other'), undefined);
    assert.ok(findForm(parent));
  });

  it('builds a form that reads back the same', () => {
    const x = buildForm('form', 'urn:test', [
      { var: 'a', type: 'list-single', label: 'A', values: ['1'], options: [{ value: '1', label: 'one' }, { value: '2' }], required: true },
      { var: 'b', type: 'text-multi', values: ['x', 'y'] },
    ], 'Title');
    assert.equal(x.getChildText('title'), 'Title');
    const back = readForm(x);
    assert.equal(back.type, 'form');
    assert.equal(back.formType, 'urn:test');
    assert.deepEqual(back.fields.get('a')!.values, ['1']);
    assert.deepEqual(back.fields.get('b')!.values, ['x', 'y']);
    const a = x.getChildren('field').find((f) => f.attrs.var === 'a')!;
    assert.ok(a.getChild('required'));
    assert.equal(a.getChildren('option').length, 2);
    assert.equal(a.getChildren('option')[0]!.attrs.label, 'one');
  });
});
