// Node configuration (XEP-0060 §8.2, §16.4.3 pubsub#node_config) of a personal node: the
// settings in force (stored overrides over the service defaults of XEP-0163 §8), the form an
// owner edits, and the reading of submitted forms and publish-options preconditions (§7.1.5).
// Pure.
import type { PubsubAccessModel, PubsubNodeConfig, PubsubSendLast } from '../../storage/types.js';
import { buildForm, type DataForm, type FieldType, type FormField } from '../../xmpp/dataform.js';
import { NS } from '../../xmpp/ns.js';
import type { Element } from '../../xmpp/xml.js';

export interface Limits {
  /** The most items a node may keep ('max'). */
  maxItems: number;
  /** Items kept by default. */
  defaultMaxItems: number;
}

/** Every setting of a node, defaults filled in. */
export interface NodeSettings {
  title: string;
  access_model: PubsubAccessModel;
  max_items: number;
  persist_items: boolean;
  deliver_notifications: boolean;
  deliver_payloads: boolean;
  notify_retract: boolean;
  notify_delete: boolean;
  send_last_published_item: PubsubSendLast;
  roster_groups_allowed: string[];
}

/** XEP-0163 §8: presence access, notifications with payloads, last item on subscription and presence. */
export function settings(config: PubsubNodeConfig, limits: Limits): NodeSettings {
  const max = config.max_items === 'max' ? limits.maxItems : Math.min(config.max_items ?? limits.defaultMaxItems, limits.maxItems);
  return {
    title: config.title ?? '',
    access_model: config.access_model ?? 'presence',
    max_items: max,
    persist_items: config.persist_items ?? true,
    deliver_notifications: config.deliver_notifications ?? true,
    deliver_payloads: config.deliver_payloads ?? true,
    notify_retract: config.notify_retract ?? true,
    notify_delete: config.notify_delete ?? true,
    send_last_published_item: config.send_last_published_item ?? 'on_sub_and_presence',
    roster_groups_allowed: config.roster_groups_allowed ?? [],
  };
}

/** How many items the node keeps: a node that does not persist items keeps the last one (§12.14). */
export const itemsKept = (s: NodeSettings): number => (s.persist_items ? s.max_items : 1);

/** A submitted value the node cannot take; the caller picks the error (§7.1.5 or §8.2.5). */
export class BadValue extends Error {
  constructor(readonly field: string, message: string, readonly accessModel = false) {
    super(message);
  }
}

interface FieldSpec {
  type: FieldType;
  label: string;
  options?: readonly string[];
  /** The field's values under these settings, in canonical form. */
  show(s: NodeSettings): string[];
  /** Submitted values in canonical form; throws BadValue. */
  canonical(values: string[], limits: Limits): string[];
  /** Canonical values as the settings would show them, where the two differ ('max'). */
  effective?(values: string[], limits: Limits): string[];
  /** Writes submitted (canonical) values into a stored configuration; absent for fixed fields. */
  store?(config: PubsubNodeConfig, values: string[]): void;
}

const ACCESS_MODELS: readonly PubsubAccessModel[] = ['open', 'presence', 'roster', 'whitelist'];
const SEND_LAST: readonly PubsubSendLast[] = ['never', 'on_sub', 'on_sub_and_presence'];

function one(name: string, values: string[]): string {
  if (values.length !== 1) throw new BadValue(name, `${name} takes exactly one value`);
  return values[0]!;
}

function bool(name: string, label: string, key: 'persist_items' | 'deliver_notifications' | 'deliver_payloads' | 'notify_retract' | 'notify_delete'): [string, FieldSpec] {
  return [name, {
    type: 'boolean',
    label,
    show: (s) => [String(s[key])],
    canonical: (values) => {
      const v = one(name, values);
      // XEP-0004 §3.3: '1'/'true' and '0'/'false'.
      if (v === '1' || v === 'true') return ['true'];
      if (v === '0' || v === 'false') return ['false'];
      throw new BadValue(name, `${name} is a boolean`);
    },
    store: (c, values) => {
      c[key] = values[0] === 'true';
    },
  }];
}

function choice<T extends string>(name: string, label: string, options: readonly T[], get: (s: NodeSettings) => T, set?: (c: PubsubNodeConfig, v: T) => void): [string, FieldSpec] {
  const spec: FieldSpec = {
    type: 'list-single',
    label,
    options,
    show: (s) => [get(s)],
    canonical: (values) => {
      const v = one(name, values);
      if (!options.includes(v as T)) throw new BadValue(name, `${name} cannot be '${v}' here (one of: ${options.join(', ')})`, name === 'pubsub#access_model');
      return [v];
    },
  };
  if (set) spec.store = (c, values) => set(c, values[0] as T);
  return [name, spec];
}

const FIELDS: ReadonlyMap<string, FieldSpec> = new Map<string, FieldSpec>([
  ['pubsub#title', {
    type: 'text-single',
    label: 'A friendly name for the node',
    show: (s) => [s.title],
    canonical: (values) => [values[0] ?? ''],
    store: (c, values) => {
      if (values[0]) c.title = values[0];
      else delete c.title;
    },
  }],
  choice('pubsub#access_model', 'Who may subscribe and retrieve items', ACCESS_MODELS, (s) => s.access_model, (c, v) => (c.access_model = v)),
  ['pubsub#max_items', {
    type: 'text-single',
    label: 'Most items to keep',
    show: (s) => [String(s.max_items)],
    canonical: (values, limits) => {
      const v = one('pubsub#max_items', values);
      // 'max' (the config-node-max feature): the most the service allows, now and later.
      if (v === 'max') return ['max'];
      if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > limits.maxItems) {
        throw new BadValue('pubsub#max_items', `pubsub#max_items must be 'max' or 1 to ${limits.maxItems}`);
      }
      return [String(Number(v))];
    },
    effective: (values, limits) => (values[0] === 'max' ? [String(limits.maxItems)] : values),
    store: (c, values) => {
      c.max_items = values[0] === 'max' ? 'max' : Number(values[0]);
    },
  }],
  bool('pubsub#persist_items', 'Persist items to storage', 'persist_items'),
  bool('pubsub#deliver_notifications', 'Deliver event notifications', 'deliver_notifications'),
  bool('pubsub#deliver_payloads', 'Deliver payloads with event notifications', 'deliver_payloads'),
  bool('pubsub#notify_retract', 'Notify subscribers when items are removed', 'notify_retract'),
  bool('pubsub#notify_delete', 'Notify subscribers when the node is deleted', 'notify_delete'),
  choice('pubsub#send_last_published_item', 'When to send the last published item', SEND_LAST, (s) => s.send_last_published_item, (c, v) => (c.send_last_published_item = v)),
  ['pubsub#roster_groups_allowed', {
    type: 'list-multi',
    label: 'Roster groups allowed to access the node (access model roster)',
    show: (s) => [...s.roster_groups_allowed].sort(),
    canonical: (values) => [...new Set(values)].sort(),
    store: (c, values) => {
      c.roster_groups_allowed = values;
    },
  }],
  // XEP-0163 §2: only the owner publishes.
  choice('pubsub#publish_model', 'Who may publish', ['publishers'] as const, () => 'publishers'),
  choice('pubsub#notification_type', 'Type of notification messages', ['headline'] as const, () => 'headline'),
]);

/** The configuration form (§8.2.2) or the default one (§8.3), with the values in force. */
export function configForm(s: NodeSettings): Element {
  const fields: FormField[] = [...FIELDS].map(([name, spec]) => {
    const f: FormField = { var: name, type: spec.type, label: spec.label, values: spec.show(s) };
    if (spec.options) f.options = spec.options.map((value) => ({ value }));
    return f;
  });
  return buildForm('form', NS.PUBSUB_NODE_CONFIG, fields);
}

/** A submitted configuration applied to a stored one (§8.2.4); throws BadValue. */
export function applyConfig(form: DataForm, base: PubsubNodeConfig, limits: Limits): PubsubNodeConfig {
  const next: PubsubNodeConfig = { ...base };
  for (const [name, field] of form.fields) {
    const spec = FIELDS.get(name);
    if (!spec) throw new BadValue(name, `the field ${name} is not supported`);
    const values = spec.canonical(field.values, limits); // checks fixed fields too
    spec.store?.(next, values);
  }
  return next;
}

/**
 * §7.1.5: the first precondition of a publish-options form that the settings do not meet,
 * as a message, or undefined when all are met. Unknown fields are never met.
 */
export function unmetPrecondition(form: DataForm, s: NodeSettings, limits: Limits): string | undefined {
  for (const [name, field] of form.fields) {
    const spec = FIELDS.get(name);
    if (!spec) return `the field ${name} is not supported`;
    let wanted: string[];
    try {
      const canonical = spec.canonical(field.values, limits);
      wanted = spec.effective?.(canonical, limits) ?? canonical;
    } catch (err) {
      return (err as BadValue).message;
    }
    const actual = spec.show(s);
    if (wanted.length !== actual.length || wanted.some((v, i) => v !== actual[i])) return `${name} is ${actual.join(', ') || 'empty'}, not ${wanted.join(', ') || 'empty'}`;
  }
  return undefined;
}
