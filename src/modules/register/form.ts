// XEP-0077 payloads: the registration form a client fetches (§3.1), the answer for an account
// that is already registered, and the reading of a submission, either the fixed
// 'jabber:iq:register' fields or a XEP-0004 data form (§4 Extensibility, §6 Precedence Order).
//
// Invitation tokens: XEP-0077 §4 forbids new fields in 'jabber:iq:register', so a host whose
// policy is 'invite' asks for the token in a data form (FORM_TYPE 'jabber:iq:register', field
// 'token', the preauth value of an `xmpp:host?register;preauth=TOKEN` URI of XEP-0401). As §6
// recommends for a form with a required field that has no iq:register equivalent, that form
// comes with the instructions only, without the legacy <username/> and <password/> fields.
import { elementChildren as elements, xml, type Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { Policy } from './options.js';

/** FORM_TYPE values registered by XEP-0077 §13.4. */
export const FORM_TYPES = ['jabber:iq:register', 'jabber:iq:register:cancel', 'jabber:iq:register:changepassword'] as const;

export interface Submission {
  username: string | undefined;
  password: string | undefined;
  token: string | undefined;
  /** A <remove/> (cancellation, §3.2). */
  remove: boolean;
}

function field(type: string, name: string, label: string | undefined, required: boolean, value?: string): Element {
  const f = xml('field', label === undefined ? { type, var: name } : { type, var: name, label });
  if (required) f.append(xml('required')); // XEP-0004 §10 schema: <required/> before <value/>
  if (value !== undefined) f.append(xml('value', {}, value));
  return f;
}

/** The answer to a registration get before authentication (§3.1), for 'open' or 'invite'. */
export function registrationQuery(host: string, policy: Exclude<Policy, 'disabled'>, minPasswordLength: number): Element {
  const pw = `at least ${minPasswordLength} characters`;
  const form = xml('x', { xmlns: NS.DATA_FORMS, type: 'form' },
    xml('title', {}, `Create an account on ${host}`),
    xml('instructions', {}, policy === 'invite'
      ? `Registration on ${host} is by invitation. Choose a username and a password (${pw}) and enter your invitation token.`
      : `Choose a username and a password (${pw}).`),
    field('hidden', 'FORM_TYPE', undefined, false, FORM_TYPES[0]),
    field('text-single', 'username', 'Username', true),
    field('text-private', 'password', 'Password', true));
  if (policy === 'invite') {
    form.append(field('text-single', 'token', 'Invitation token', true));
    return xml('query', { xmlns: NS.REGISTER },
      xml('instructions', {}, `Registration on ${host} needs an invitation token, which only clients that support data forms (XEP-0004) can send. The person who invited you has the invitation link.`),
      form);
  }
  return xml('query', { xmlns: NS.REGISTER },
    xml('instructions', {}, `Choose a username and a password (${pw}).`),
    xml('username'), xml('password'), form);
}

/** The answer to a registration get from a logged-in account (§3.1: <registered/>, the data on file). */
export function registeredQuery(username: string): Element {
  return xml('query', { xmlns: NS.REGISTER },
    xml('registered'),
    xml('instructions', {}, 'You are registered. Send a new password to change it, or <remove/> to delete your account.'),
    xml('username', {}, username),
    xml('password'));
}

/** The submitted values of a XEP-0004 form of type 'submit' (the first value of each field). */
function formValues(x: Element): Map<string, string> {
  const values = new Map<string, string>();
  for (const f of x.getChildren('field', NS.DATA_FORMS)) {
    const name = f.attrs.var as string | undefined;
    const value = f.getChild('value', NS.DATA_FORMS);
    if (name !== undefined && value && !values.has(name)) values.set(name, value.getText());
  }
  return values;
}


/**
 * Reads a registration set. A data form, when present, takes precedence over the fixed fields
 * (§4 rule 5). Throws bad-request for a <remove/> with other children (§3.2 error table) and for
 * a form of a FORM_TYPE this protocol does not define.
 */
export function readSubmission(query: Element): Submission {
  const children = elements(query);
  const remove = children.some((c) => c.is('remove', NS.REGISTER));
  if (remove) {
    if (children.length !== 1) throw new StanzaError('bad-request', '<remove/> must be the only child of the query');
    return { username: undefined, password: undefined, token: undefined, remove: true };
  }
  const x = children.find((c) => c.is('x', NS.DATA_FORMS));
  if (x) {
    const type = x.attrs.type as string | undefined;
    if (type !== 'submit') return { username: undefined, password: undefined, token: undefined, remove: false };
    const values = formValues(x);
    const formType = values.get('FORM_TYPE');
    if (formType !== undefined && !(FORM_TYPES as readonly string[]).includes(formType)) {
      throw new StanzaError('bad-request', `unknown FORM_TYPE '${formType}'`);
    }
    return { username: values.get('username'), password: values.get('password'), token: values.get('token'), remove: false };
  }
  const text = (name: string): string | undefined => {
    const el = children.find((c) => c.is(name, NS.REGISTER));
    return el ? el.getText() : undefined;
  };
  return { username: text('username'), password: text('password'), token: undefined, remove: false };
}
