// XEP-0115 §5: the verification string of a disco#info answer, and the <c/> annotation of a
// presence. Pure. Sorting is by "i;octet" (UTF-8 byte order, the same as code point order).
import { createHash } from 'node:crypto';
import { NS } from '../../xmpp/ns.js';
import type { Element } from '../../xmpp/xml.js';

/** Hash function names (IANA "Hash Function Textual Names") -> node:crypto names. */
const HASHES: Readonly<Record<string, string>> = {
  'sha-1': 'sha1',
  'sha-224': 'sha224',
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

export function isSupportedHash(hash: string): boolean {
  return Object.hasOwn(HASHES, hash);
}

export interface CapsAnnotation {
  /** The hash function; '' when the annotation has none (legacy format, §8). */
  hash: string;
  node: string;
  ver: string;
}

/** The <c xmlns='http://jabber.org/protocol/caps'/> of a presence, if it has a usable one. */
export function readCaps(presence: Element): CapsAnnotation | undefined {
  const c = presence.getChild('c', NS.CAPS);
  if (!c) return undefined;
  const { hash, node, ver } = c.attrs as Record<string, string | undefined>;
  if (!node || !ver) return undefined;
  return { hash: hash ?? '', node, ver };
}

const octets = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = octets(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

const hasDuplicates = (values: readonly string[]): boolean => new Set(values).size !== values.length;

/** The forms that count (§5.4 step 3.6): with a FORM_TYPE field of type hidden. */
function extendedForms(query: Element): { formType: string; fields: [string, string[]][] }[] | undefined {
  const out: { formType: string; fields: [string, string[]][] }[] = [];
  for (const x of query.getChildren('x', NS.DATA_FORMS)) {
    const fields = x.getChildren('field');
    const ft = fields.find((f) => f.attrs.var === 'FORM_TYPE');
    if (!ft || ft.attrs.type !== 'hidden') continue;
    const types = new Set(ft.getChildren('value').map((v) => v.getText()));
    // §5.4 step 3.5: a FORM_TYPE with differing values makes the answer ill-formed.
    if (types.size !== 1) return undefined;
    const rest = fields.filter((f) => f !== ft && typeof f.attrs.var === 'string');
    out.push({ formType: [...types][0]!, fields: rest.map((f) => [f.attrs.var as string, f.getChildren('value').map((v) => v.getText())]) });
  }
  if (hasDuplicates(out.map((f) => f.formType))) return undefined;
  return out;
}

/**
 * The string S of §5.1 for a disco#info <query/>, or undefined when the answer is ill-formed
 * (§5.4 step 3.3-3.5: a repeated identity, feature or form type).
 */
export function capsInput(query: Element): string | undefined {
  const identities = query.getChildren('identity').map((i) => {
    const a = i.attrs as Record<string, string | undefined>;
    return [a.category ?? '', a.type ?? '', a['xml:lang'] ?? '', a.name ?? ''];
  });
  const features = query.getChildren('feature').map((f) => (f.attrs.var as string | undefined) ?? '');
  const forms = extendedForms(query);
  if (!forms || hasDuplicates(identities.map((i) => i.join('/'))) || hasDuplicates(features)) return undefined;
  let s = '';
  for (const id of identities.sort(compareTuples)) s += `${id.join('/')}<`;
  for (const f of features.sort(octets)) s += `${f}<`;
  for (const form of forms.sort((a, b) => octets(a.formType, b.formType))) {
    s += `${form.formType}<`;
    for (const [name, values] of form.fields.sort((a, b) => octets(a[0], b[0]))) {
      s += `${name}<`;
      for (const v of [...values].sort(octets)) s += `${v}<`;
    }
  }
  return s;
}

/** The verification string (§5.1 step 9): base64 of the hash of S; undefined for an unknown hash. */
export function verificationString(hash: string, query: Element): string | undefined {
  const algo = HASHES[hash];
  const s = capsInput(query);
  if (algo === undefined || s === undefined) return undefined;
  return createHash(algo).update(s, 'utf8').digest('base64');
}

/** The features of a disco#info <query/>. */
export function featuresOf(query: Element): Set<string> {
  const out = new Set<string>();
  for (const f of query.getChildren('feature')) {
    const v = f.attrs.var as string | undefined;
    if (v) out.add(v);
  }
  return out;
}
