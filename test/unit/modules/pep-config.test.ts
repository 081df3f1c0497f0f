// PEP node configuration, pure (XEP-0060 §8.2, §16.4.3; XEP-0163 §8): the defaults, reading
// a submitted configuration, and publish-options preconditions (§7.1.5).
import assert from 'node:assert/strict';
import { applyConfig, BadValue, configForm, itemsKept, settings, unmetPrecondition } from '../../../src/modules/pep/config.js';
import type { DataForm } from '../../../src/xmpp/dataform.js';

const limits = { maxItems: 50, defaultMaxItems: 1 };
const form = (fields: Record<string, string | string[]>): DataForm => ({
  type: 'submit',
  formType: 'http://jabber.org/protocol/pubsub#publish-options',
  fields: new Map(Object.entries(fields).map(([name, v]) => [name, { var: name, values: Array.isArray(v) ? v : [v] }])),
});

describe('modules/pep config (XEP-0060 §8.2, §16.4.3)', () => {
  it('defaults follow XEP-0163 §8: presence access, notifications with payloads, last item on subscription and presence', () => {
    assert.deepEqual(settings({}, limits), {
      title: '', access_model: 'presence', max_items: 1, persist_items: true, deliver_notifications: true, deliver_payloads: true,
      notify_retract: true, notify_delete: true, send_last_published_item: 'on_sub_and_presence', roster_groups_allowed: [],
    });
  });

  it("max_items 'max' is the service maximum and follows it; a stored number is capped by it", () => {
    assert.equal(settings({ max_items: 'max' }, limits).max_items, 50);
    assert.equal(settings({ max_items: 'max' }, { ...limits, maxItems: 80 }).max_items, 80);
    assert.equal(settings({ max_items: 70 }, limits).max_items, 50);
    assert.equal(itemsKept(settings({ max_items: 10, persist_items: false }, limits)), 1, 'a transient node keeps its last item');
  });

  it('applies a submitted form over the stored configuration, booleans as 1/0 or true/false (XEP-0004 §3.3)', () => {
    const next = applyConfig(form({ 'pubsub#access_model': 'whitelist', 'pubsub#max_items': 'max', 'pubsub#notify_retract': '0', 'pubsub#roster_groups_allowed': ['B', 'A', 'B'] }), { title: 'kept' }, limits);
    assert.deepEqual(next, { title: 'kept', access_model: 'whitelist', max_items: 'max', notify_retract: false, roster_groups_allowed: ['A', 'B'] });
  });

  it('refuses unknown fields, unsupported access models and out-of-range sizes', () => {
    const err = (f: Record<string, string>): BadValue | undefined => {
      try {
        applyConfig(form(f), {}, limits);
        return undefined;
      } catch (e) {
        return e as BadValue;
      }
    };
    assert.ok(err({ 'pubsub#unknown': 'x' }) instanceof BadValue);
    assert.equal(err({ 'pubsub#access_model': 'authorize' })?.accessModel, true);
    assert.ok(err({ 'pubsub#max_items': '51' }));
    assert.ok(err({ 'pubsub#max_items': '0' }));
    assert.ok(err({ 'pubsub#persist_items': 'yes' }));
    assert.ok(err({ 'pubsub#publish_model': 'open' }), 'only the owner publishes (XEP-0163 §2)');
  });

  it('preconditions compare with the values in force, after normalising (§7.1.5)', () => {
    const s = settings({ access_model: 'whitelist', max_items: 'max', persist_items: true, send_last_published_item: 'never' }, limits);
    assert.equal(unmetPrecondition(form({ 'pubsub#persist_items': '1', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' }), s, limits), undefined);
    assert.equal(unmetPrecondition(form({ 'pubsub#max_items': '50' }), s, limits), undefined, "'max' and the number are the same");
    assert.match(unmetPrecondition(form({ 'pubsub#access_model': 'open' }), s, limits)!, /access_model is whitelist/);
    assert.match(unmetPrecondition(form({ 'pubsub#made_up': 'x' }), s, limits)!, /not supported/);
    assert.match(unmetPrecondition(form({ 'pubsub#max_items': 'lots' }), s, limits)!, /max_items/);
  });

  it('the configuration form carries the node_config FORM_TYPE and the values in force (§8.2.2)', () => {
    const x = configForm(settings({ access_model: 'open' }, limits));
    const fields = x.getChildren('field');
    assert.equal(fields[0]!.getChildText('value'), 'http://jabber.org/protocol/pubsub#node_config');
    const access = fields.find((f) => f.attrs.var === 'pubsub#access_model')!;
    assert.equal(access.attrs.type, 'list-single');
    assert.equal(access.getChildText('value'), 'open');
    assert.deepEqual(access.getChildren('option').map((o) => o.getChildText('value')), ['open', 'presence', 'roster', 'whitelist']);
  });
});
