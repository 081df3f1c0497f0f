// JIDs per RFC 7622: parsing and preparation of localpart (PRECIS UsernameCaseMapped),
// domainpart (IDNA2008-style lower-casing and NFC) and resourcepart (PRECIS OpaqueString).
// The PRECIS rules are approximated with Unicode property classes; see docs/architecture.md.
import { domainToASCII, domainToUnicode } from 'node:url';
import { ipVersion } from './ip.js';

const MAX_PART_BYTES = 1023;

// Every routed stanza parses its addresses, and the same few thousand JIDs recur: successful
// preparations are memoised (Jid is immutable, so instances are shared). Each map is cleared
// when full, which bounds memory without per-hit bookkeeping.
const PARSED = new Map<string, Jid>();
const DOMAINS = new Map<string, string>();
const MEMO_MAX = 4096;

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, value);
}

export class JidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JidError';
  }
}

/** A prepared (canonical) JID. Instances are immutable. */
export class Jid {
  readonly bare: string;
  readonly full: string;

  private constructor(
    readonly local: string,
    readonly domain: string,
    readonly resource: string,
  ) {
    this.bare = local ? `${local}@${domain}` : domain;
    this.full = resource ? `${this.bare}/${resource}` : this.bare;
  }

  /** Parses and prepares a JID string; throws JidError when it is malformed. */
  static parse(input: string): Jid {
    const hit = PARSED.get(input);
    if (hit) return hit;
    // RFC 7622 §3.1: the first '/' separates the resource, then the first '@' the localpart.
    const slash = input.indexOf('/');
    const main = slash === -1 ? input : input.slice(0, slash);
    const resourceRaw = slash === -1 ? undefined : input.slice(slash + 1);
    const at = main.indexOf('@');
    const localRaw = at === -1 ? undefined : main.slice(0, at);
    const domainRaw = at === -1 ? main : main.slice(at + 1);
    const jid = Jid.of(localRaw, domainRaw, resourceRaw);
    remember(PARSED, input, jid);
    return jid;
  }

  /** Parses without throwing. */
  static tryParse(input: string | undefined): Jid | undefined {
    if (input === undefined) return undefined;
    try {
      return Jid.parse(input);
    } catch {
      return undefined;
    }
  }

  static of(local: string | undefined, domain: string, resource?: string): Jid {
    const l = local === undefined ? '' : prepLocal(local);
    const d = prepDomain(domain);
    const r = resource === undefined ? '' : prepResource(resource);
    return new Jid(l, d, r);
  }

  get isBare(): boolean {
    return this.resource === '';
  }

  /** The bare form of this JID. */
  toBare(): Jid {
    return this.resource ? new Jid(this.local, this.domain, '') : this;
  }

  withResource(resource: string): Jid {
    return new Jid(this.local, this.domain, prepResource(resource));
  }

  equals(other: Jid | undefined): boolean {
    return other !== undefined && other.full === this.full;
  }

  toString(): string {
    return this.full;
  }
}

function checkLength(part: string, what: string): void {
  if (part.length === 0) throw new JidError(`empty ${what}`);
  if (Buffer.byteLength(part, 'utf8') > MAX_PART_BYTES) throw new JidError(`${what} longer than ${MAX_PART_BYTES} bytes`);
}

// RFC 7622 §3.3.1: characters never allowed in a localpart.
const LOCAL_FORBIDDEN = /["&'/:<>@]/u;
// PRECIS IdentifierClass: ASCII printable, letters, marks and digits; no spaces, symbols or controls.
const IDENTIFIER_OK = /^[\u0021-\u007e\p{L}\p{M}\p{Nd}]+$/u;
// Disallowed in both PRECIS classes (RFC 8264 §9.10, §9.13): default-ignorable code points (zero
// widths, bidi controls, variation selectors), noncharacters, and old Hangul jamo.
const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]/u;
// Width mapping (RFC 8265 §3.3.1) maps the full-width and half-width forms only.
const WIDTH_FORMS = /[\uff01-\uffee]/gu;

export function prepLocal(input: string): string {
  // UsernameCaseMapped (RFC 8265 §3.3): width mapping, case mapping, NFC.
  const mapped = input.replace(WIDTH_FORMS, (c) => c.normalize('NFKC')).toLowerCase().normalize('NFC');
  checkLength(mapped, 'localpart');
  if (LOCAL_FORBIDDEN.test(mapped)) throw new JidError('localpart contains a forbidden character');
  // IdentifierClass also disallows compatibility characters (HasCompat, RFC 8264 §9.17): those
  // that NFKC would change, such as 'ﬁ' or '²', are refused rather than mapped.
  if (!IDENTIFIER_OK.test(mapped) || IGNORABLE.test(mapped) || mapped.normalize('NFKC') !== mapped) {
    throw new JidError('localpart contains a disallowed character');
  }
  return mapped;
}

// OpaqueString (RFC 8265 §4.2): non-ASCII spaces map to U+0020, NFC, and no controls.
const CONTROL = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}]/u;
const NON_ASCII_SPACE = /[\p{Zs}]/gu;

export function prepResource(input: string): string {
  const mapped = input.replace(NON_ASCII_SPACE, ' ').normalize('NFC');
  checkLength(mapped, 'resourcepart');
  if (CONTROL.test(mapped)) throw new JidError('resourcepart contains a control or unassigned character');
  if (IGNORABLE.test(mapped)) throw new JidError('resourcepart contains an invisible or disallowed character');
  return mapped;
}

export function prepDomain(input: string): string {
  const hit = DOMAINS.get(input);
  if (hit !== undefined) return hit;
  const prepared = prepDomainUncached(input);
  remember(DOMAINS, input, prepared);
  return prepared;
}

function prepDomainUncached(input: string): string {
  let d = input;
  if (d.endsWith('.')) d = d.slice(0, -1); // RFC 7622 §3.2: a trailing dot is removed
  checkLength(d, 'domainpart');
  if (d.startsWith('[') && d.endsWith(']')) {
    // RFC 7622 §3.2 takes IP-literal from RFC 3986, which has no zone identifier ('%eth0').
    const inner = d.slice(1, -1);
    if (ipVersion(inner) !== 6 || inner.includes('%')) throw new JidError('invalid IPv6 literal');
    return d.toLowerCase();
  }
  if (ipVersion(d) === 4) return d;
  const lowered = d.normalize('NFKC').toLowerCase().normalize('NFC');
  const ascii = domainToASCII(lowered);
  if (!ascii || ascii.length > 253) throw new JidError('invalid domainpart');
  // domainToASCII parses host names the WHATWG way, turning '127.1' or '0x7f.1' into '127.0.0.1';
  // a domainpart that is not a dotted-quad IPv4 address (handled above) must not become one.
  if (ipVersion(ascii) !== 0) throw new JidError('invalid domainpart');
  // Only LDH labels are valid host names here; IDN labels have been converted to punycode above.
  for (const label of ascii.split('.')) {
    if (!/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) throw new JidError('invalid domain label');
  }
  return domainToUnicode(ascii) || lowered;
}
