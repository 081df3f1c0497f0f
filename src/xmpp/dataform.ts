// Data forms (XEP-0004): reading submitted forms and building forms and results. Pure; shared
// by every feature that takes or gives a form (MAM queries and preferences, publish-options,
// registration, server info).
import { xml, type Element } from './xml.js';
import { NS } from './ns.js';

export type FormType = 'form' | 'submit' | 'cancel' | 'result';
export type FieldType =
  | 'boolean' | 'fixed' | 'hidden' | 'jid-multi' | 'jid-single'
  | 'list-multi' | 'list-single' | 'text-multi' | 'text-private' | 'text-single';

export interface FormField {
  var: string;
  type?: FieldType;
  label?: string;
  values: string[];
  /** Options of list fields. */
  options?: Array<{ value: string; label?: string }>;
  required?: boolean;
}

export interface DataForm {
  type: FormType;
  /** Value of the hidden FORM_TYPE field (XEP-0068), if any. */
  formType: string | undefined;
  fields: Map<string, FormField>;
}

/** Finds the `<x xmlns='jabber:x:data'/>` child of `parent`, optionally with a given FORM_TYPE. */
export function findForm(parent: Element, formType?: string): Element | undefined {
  for (const c of parent.getChildren('x', NS.DATA_FORMS)) {
    if (formType === undefined || readForm(c).formType === formType) return c;
  }
  return undefined;
}

/** Reads a form element; unknown form types read as 'submit'. */
export function readForm(x: Element): DataForm {
  const t = x.attrs.type as string | undefined;
  const type: FormType = t === 'form' || t === 'cancel' || t === 'result' ? t : 'submit';
  const fields = new Map<string, FormField>();
  let formType: string | undefined;
  for (const f of x.getChildren('field', NS.DATA_FORMS)) {
    const name = f.attrs.var as string | undefined;
    if (name === undefined) continue;
    const values = f.getChildren('value', NS.DATA_FORMS).map((v) => v.getText());
    if (name === 'FORM_TYPE') {
      formType = values[0];
      continue;
    }
    const field: FormField = { var: name, values };
    if (f.attrs.type) field.type = f.attrs.type as FieldType;
    fields.set(name, field);
  }
  return { type, formType, fields };
}

/** The first value of a field, or undefined when the field is absent or empty. */
export function fieldValue(form: DataForm, name: string): string | undefined {
  return form.fields.get(name)?.values[0];
}

/** XEP-0004 §3.3: boolean values are '1'/'true' and '0'/'false'. Undefined when absent or invalid. */
export function fieldBoolean(form: DataForm, name: string): boolean | undefined {
  const v = fieldValue(form, name);
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

/** Builds a form or result with a hidden FORM_TYPE (when given) followed by the fields. */
export function buildForm(type: FormType, formType: string | undefined, fields: readonly FormField[], title?: string): Element {
  const x = xml('x', { xmlns: NS.DATA_FORMS, type });
  if (title !== undefined) x.append(xml('title', {}, title));
  if (formType !== undefined) {
    x.append(xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)));
  }
  for (const f of fields) {
    const attrs: Record<string, string> = { var: f.var };
    if (f.type) attrs.type = f.type;
    if (f.label !== undefined) attrs.label = f.label;
    const el = xml('field', attrs);
    if (f.required) el.append(xml('required'));
    for (const o of f.options ?? []) {
      el.append(xml('option', o.label !== undefined ? { label: o.label } : {}, xml('value', {}, o.value)));
    }
    for (const v of f.values) el.append(xml('value', {}, v));
    x.append(el);
  }
  return x;
}
