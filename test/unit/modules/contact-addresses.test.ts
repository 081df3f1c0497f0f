// XEP-0157 contact addresses in the disco module: URI checks (§3), the XEP-0128 form, and a bad
// address stopping the server at config check with its location (through planModules).
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/loader.js';
import { planModules } from '../../../src/core/module-loader.js';
import { contactForm, uriProblem } from '../../../src/modules/disco/contact.js';

const locate = (path: (string | number)[]): string => `test.yaml:${path.length}:1`;

describe('modules/disco contact addresses (XEP-0157)', () => {
  it('accepts the URIs of the XEP\'s example and other absolute URIs (§3)', () => {
    for (const ok of [
      'mailto:abuse@shakespeare.lit', 'xmpp:abuse@shakespeare.lit', 'http://shakespeare.lit/feedback.php',
      'https://status.shakespeare.lit', 'xmpp:shakespeare.lit', 'xmpp:admins@shakespeare.lit?message',
      'xmpp://guest@example.com/support@example.com', 'mailto:a@example.org,b@example.org', 'tel:+1-201-555-0123',
      'xmpp:r%C3%A9mi@example.org',
    ]) assert.equal(uriProblem(ok), undefined, ok);
  });

  it('refuses what is not an absolute URI or lacks the parts its scheme needs (§3)', () => {
    for (const bad of [
      'admin@example.org', 'example.org', '', 'mailto:', 'mailto:nobody', 'xmpp:', 'xmpp:a@b@c', 'https://',
      'https://exa mple.org', 'xmpp:admin@example.org\n', 'mailto:<a@b>', 'xmpp:%ZZ@example.org',
    ]) assert.notEqual(uriProblem(bad), undefined, JSON.stringify(bad));
  });

  it('renders configured roles as a serverinfo form in role order, and nothing when none is set (XEP-0128)', () => {
    assert.equal(contactForm(undefined), undefined);
    assert.equal(contactForm({}), undefined);
    assert.equal(contactForm({ admin: [] }), undefined);
    const form = contactForm({ support: ['https://example.org/help'], admin: ['xmpp:admin@example.org', 'mailto:xmpp@example.org'] })!;
    assert.equal(form.attrs.xmlns, 'jabber:x:data');
    assert.equal(form.attrs.type, 'result');
    const fields = form.getChildren('field');
    assert.deepEqual(fields.map((f) => [f.attrs.var, f.attrs.type]), [
      ['FORM_TYPE', 'hidden'], ['admin-addresses', 'list-multi'], ['support-addresses', 'list-multi'],
    ]);
    assert.equal(fields[0]!.getChildText('value'), 'http://jabber.org/network/serverinfo');
    assert.deepEqual(fields[1]!.getChildren('value').map((v) => v.getText()), ['xmpp:admin@example.org', 'mailto:xmpp@example.org']);
  });

  it('accepts a valid contact option at config check', async () => {
    const config = defaultConfig({});
    config.modules = { disco: { contact: { admin: ['xmpp:admin@localhost'], status: ['https://status.example.org'] } } };
    const { plan, problems } = await planModules(config, locate);
    assert.deepEqual(problems, []);
    const disco = plan.get('localhost')!.find((m) => m.def.name === 'disco')!;
    assert.deepEqual(disco.options, { name: 'Starling', contact: { admin: ['xmpp:admin@localhost'], status: ['https://status.example.org'] } });
  });

  it('refuses an invalid URI, an unknown role and a non-list at config check, with the key path', async () => {
    const config = defaultConfig({});
    config.modules = { disco: { contact: { admin: ['xmpp:admin@localhost', 'admin at example dot org'], sales: 'mailto:x@y', press: ['mailto:p@example.org'] } } };
    const { problems } = await planModules(config, locate);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.ok(problems.some((p) => /^test\.yaml:5:1: modules\.disco\.contact\.admin\.1: not an absolute URI .*, got "admin at example dot org"$/.test(p)), problems.join('\n'));
    assert.ok(problems.includes('test.yaml:4:1: modules.disco.contact.sales: expected array, got "mailto:x@y"'), problems.join('\n'));
    assert.ok(problems.includes('test.yaml:4:1: modules.disco.contact.press: unknown option'), problems.join('\n'));
  });
});
