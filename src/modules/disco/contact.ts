// XEP-0157: Contact Addresses for XMPP Services (version 1.1.1). The admin lists addresses per
// role; they are checked at config time and shown on the server's disco#info as an extended
// info form (XEP-0128) with FORM_TYPE http://jabber.org/network/serverinfo.
import { z } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';

/** The roles of XEP-0157 §7 (Registrar), each shown as the field `<role>-addresses`. */
export const CONTACT_ROLES = ['abuse', 'admin', 'feedback', 'sales', 'security', 'status', 'support'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];
export type Contact = Partial<Record<ContactRole, string[]>>;

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
// Characters RFC 3986 never allows unencoded in a URI (space, controls, <>"{}|\^`).
const NOT_IN_URI = /[\s\u0000-\u001f\u007f<>"{}|\\^`]/;

function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * Why `value` is not a usable contact URI, or undefined when it is. §3: status addresses MUST be
 * valid URIs and the others SHOULD; all are held to it here, since a contact address that is
 * not a URI helps nobody. Known schemes are checked further: xmpp: needs a valid JID (RFC 5122),
 * mailto: an address (RFC 6068), http(s): a host.
 */
export function uriProblem(value: string): string | undefined {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (!scheme) return 'not an absolute URI (expected a scheme such as xmpp:, mailto: or https:)';
  if (NOT_IN_URI.test(value)) return 'a URI cannot contain spaces, control characters or <>"{}|\\^`';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid URI';
  }
  const rest = value.slice(scheme.length + 1).split(/[?#]/)[0]!;
  switch (scheme) {
    case 'xmpp': {
      // xmpp:node@domain, or xmpp://auth@domain/node@domain (RFC 5122 §2.3).
      const path = rest.startsWith('//') ? rest.slice(2).split('/').slice(1).join('/') : rest;
      const jid = decoded(path);
      return jid !== undefined && Jid.tryParse(jid) ? undefined : 'an xmpp: URI needs a valid JID, e.g. xmpp:admin@example.org';
    }
    case 'mailto': {
      const to = decoded(rest);
      const ok = to !== undefined && to.split(',').every((a) => /^[^@\s]+@[^@\s]+$/.test(a));
      return ok ? undefined : 'a mailto: URI needs an address, e.g. mailto:xmpp@example.org';
    }
    case 'http':
    case 'https':
      return url.hostname ? undefined : `an ${scheme}: URI needs a host`;
    default:
      return undefined;
  }
}

const uri = z.string().max(2048).refine((v) => uriProblem(v) === undefined, {
  error: (iss) => `${uriProblem(String(iss.input)) ?? 'not a valid URI'}, got ${JSON.stringify(iss.input)}`,
});
const addresses = z.array(uri).max(32).optional();

/** The `contact` option of the disco module: role -> list of URIs. */
export const contactOption = z.strictObject(
  Object.fromEntries(CONTACT_ROLES.map((r) => [r, addresses])) as Record<ContactRole, typeof addresses>,
).optional();

/** The XEP-0128 form for the configured addresses, or undefined when none is configured. */
export function contactForm(contact: Contact | undefined): Element | undefined {
  const roles = CONTACT_ROLES.filter((r) => (contact?.[r]?.length ?? 0) > 0);
  if (roles.length === 0) return undefined;
  const form = xml('x', { xmlns: NS.DATA_FORMS, type: 'result' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.SERVERINFO)));
  for (const r of roles) {
    // The registered field type is list-multi (§7).
    form.append(xml('field', { var: `${r}-addresses`, type: 'list-multi' }, ...contact![r]!.map((v) => xml('value', {}, v))));
  }
  return form;
}
