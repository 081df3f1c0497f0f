// XEP-0357 rules, pure: reading <enable/> (§5) and <disable/> (§6), which messages warrant a
// notification and when one is held for a device that is away, the publish request that carries
// a notification (§7) and what an error answer to it means (§7.1).
import { topResources, type ClientSession } from '../../core/module-api.js';
import { buildForm, readForm, type FormField } from '../../xmpp/dataform.js';
import { StanzaError } from '../../xmpp/errors.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { findChild, hasChild, someChild, xml, type Element } from '../../xmpp/xml.js';
import type { FormFieldValues } from '../../storage/types.js';

/** Longest node accepted (the size of the stored column). */
export const NODE_MAX = 1023;
/** Largest publish-options form accepted, in bytes of its fields as stored (JSON). */
export const OPTIONS_MAX_BYTES = 4096;

export interface EnableRequest {
  jid: string;
  node: string;
  options: FormFieldValues[];
}

export interface DisableRequest {
  jid: string;
  /** Undefined: every registration of the JID (§6). */
  node: string | undefined;
}

/** The push service's JID, prepared: 'jid' is required on <enable/> and <disable/> (§5, §6). */
function serviceJid(payload: Element): string {
  const value = payload.attrs.jid as string | undefined;
  if (value === undefined || value === '') throw new StanzaError('bad-request', "the 'jid' attribute is required");
  const jid = Jid.tryParse(value);
  if (!jid) throw new StanzaError('jid-malformed', "the 'jid' attribute is not a valid JID");
  return jid.full;
}

/**
 * §5: the fields of the publish-options form given at enable, FORM_TYPE left out. A form with
 * another FORM_TYPE (or none) is refused rather than silently dropped.
 */
function publishOptions(payload: Element): FormFieldValues[] {
  const forms = payload.getChildren('x', NS.DATA_FORMS).map(readForm);
  if (forms.length === 0) return [];
  if (forms.length > 1 || forms[0]!.formType !== NS.PUBSUB_PUBLISH_OPTIONS) {
    throw new StanzaError('bad-request', `the only data form allowed is one of FORM_TYPE ${NS.PUBSUB_PUBLISH_OPTIONS}`);
  }
  const fields = [...forms[0]!.fields.values()].map((f) => ({ var: f.var, values: f.values }));
  if (Buffer.byteLength(JSON.stringify(fields)) > OPTIONS_MAX_BYTES) throw new StanzaError('not-acceptable', 'the publish options are too large');
  return fields;
}

/** §5 and the schema (§11): 'jid' and 'node' are required, the publish-options form optional. */
export function parseEnable(payload: Element): EnableRequest {
  const jid = serviceJid(payload);
  const node = payload.attrs.node as string | undefined;
  if (node === undefined || node === '') throw new StanzaError('bad-request', "the 'node' attribute is required");
  if (node.length > NODE_MAX) throw new StanzaError('not-acceptable', 'the node name is too long');
  return { jid, node, options: publishOptions(payload) };
}

/** §6: 'jid' is required; without 'node' every registration of that JID goes. */
export function parseDisable(payload: Element): DisableRequest {
  const jid = serviceJid(payload);
  const node = payload.attrs.node as string | undefined;
  return { jid, node: node === undefined || node === '' ? undefined : node };
}

/** Payloads that tell of a message without a readable body: end-to-end encrypted content and call invitations. */
const CONTENT: ReadonlySet<string> = new Set([
  `${NS.OMEMO_LEGACY} encrypted`, `${NS.OMEMO} encrypted`, `${NS.OPENPGP} openpgp`, `${NS.JINGLE_MESSAGE} propose`,
]);


// getName() and getNS(): the local name and the namespace, whether prefixed or inherited.
function isBody(c: Element): boolean {
  const ns = c.getNS() as string | undefined;
  return c.getName() === 'body' && (ns === undefined || ns === '' || ns === NS.CLIENT || ns === NS.SERVER);
}

/**
 * Whether a message is one the user should hear about on a sleeping device: a chat or normal
 * message (RFC 6121 §5.2.2: an unknown type is normal) with a body, encrypted content or a
 * call invitation. Chat states, receipts and markers alone do not, nor errors, headlines and
 * groupchat messages, nor a message the sender asked not to be stored (XEP-0334 §4.2): it is
 * not kept for the device.
 */
export function warrantsNotification(stanza: Element): boolean {
  const type = stanza.attrs.type as string | undefined;
  if (type === 'error' || type === 'headline' || type === 'groupchat') return false;
  if (hasChild(stanza, 'no-store', NS.HINTS)) return false;
  return someChild(stanza, (c) => isBody(c) || CONTENT.has(`${c.getNS() as string} ${c.getName()}`));
}

/** The body text of a message, if it has one. */
export function bodyOf(stanza: Element): string | undefined {
  const body = findChild(stanza, isBody);
  return body?.getText();
}

/**
 * Why a message is held for the account's devices that are away: it will be stored offline (no
 * resource receives it), or it is queued for a resource whose connection dropped and that waits
 * to be resumed (XEP-0198 §5). Undefined when connected resources get it.
 */
export type Held = 'offline' | 'hibernated';

/** For a message to the bare JID: the resources core delivery gives it (RFC 6121 §8.5.2.1.1). */
export function heldForBare(sessions: readonly ClientSession[]): Held | undefined {
  const targets = topResources(sessions);
  if (targets.length === 0) return 'offline';
  return targets.some((s) => s.hibernating) ? 'hibernated' : undefined;
}

/**
 * For a message to a full JID: that resource's session when it has one; otherwise as for the
 * bare JID, where only a chat message is stored offline (RFC 6121 §8.5.3.2.1).
 */
export function heldForFull(sessions: readonly ClientSession[], to: Jid, stanza: Element): Held | undefined {
  const session = sessions.find((s) => s.jid.full === to.full);
  if (session) return session.hibernating ? 'hibernated' : undefined;
  const held = heldForBare(sessions);
  return held === 'offline' && stanza.attrs.type !== 'chat' ? undefined : held;
}

/** What a notification tells (the urn:xmpp:push:summary form, §7 and §10.3.1). */
export interface Summary {
  messageCount: number;
  pendingSubscriptions: number;
  sender?: string | undefined;
  body?: string | undefined;
}

function summaryForm(s: Summary): Element {
  const fields: FormField[] = [
    { var: 'message-count', values: [String(s.messageCount)] },
    { var: 'pending-subscription-count', values: [String(s.pendingSubscriptions)] },
  ];
  if (s.sender !== undefined) fields.push({ var: 'last-message-sender', values: [s.sender] });
  if (s.body !== undefined) fields.push({ var: 'last-message-body', values: [s.body] });
  return buildForm('submit', NS.PUSH_SUMMARY, fields);
}

/**
 * §7: a pubsub publish to the registration's node whose item is a <notification/> with the
 * summary, and the publish options given at enable, if any. Without 'from' and 'id': the
 * request sets them.
 */
export function publishIq(reg: EnableRequest, summary: Summary): Element {
  const notification = xml('notification', { xmlns: NS.PUSH }, summaryForm(summary));
  const pubsub = xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: reg.node }, xml('item', {}, notification)));
  if (reg.options.length > 0) {
    const fields = reg.options.map((o) => ({ var: o.var, values: o.values }));
    pubsub.append(xml('publish-options', {}, buildForm('submit', NS.PUBSUB_PUBLISH_OPTIONS, fields)));
  }
  return xml('iq', { type: 'set', to: reg.jid }, pubsub);
}

/** An error answer's type and defined condition. */
export function errorOf(answer: Element): { type: string | undefined; condition: string | undefined } {
  const error = answer.getChild('error');
  const condition = error?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === NS.STANZA_ERRORS);
  return { type: error?.attrs.type as string | undefined, condition: condition?.name };
}

/**
 * §7.1: after an error answer the registration is disabled, unless the error is transient:
 * type 'wait' (try again later) or 'continue' (only a warning) keeps it.
 */
export function disablesRegistration(answer: Element): boolean {
  const { type } = errorOf(answer);
  return type !== 'wait' && type !== 'continue';
}
