// Stanza helpers (RFC 6120 §8): kinds, replies and error bounces. Pure: no I/O.
import { xml, type Element } from './xml.js';
import { StanzaError } from './errors.js';
import { NS } from './ns.js';

export type StanzaKind = 'message' | 'presence' | 'iq';

export function stanzaKind(el: Element): StanzaKind | undefined {
  const n = el.name;
  return n === 'message' || n === 'presence' || n === 'iq' ? n : undefined;
}

/** True for namespaces a stanza may carry on a client or server stream. */
export function isStanzaNamespace(ns: string | undefined): boolean {
  return ns === NS.CLIENT || ns === NS.SERVER;
}

/** The single payload child of an IQ get/set, or undefined if there is not exactly one. */
export function iqPayload(iq: Element): Element | undefined {
  let found: Element | undefined;
  for (const c of iq.children) {
    if (typeof c === 'string') continue;
    if (found) return undefined;
    found = c;
  }
  return found;
}

/** An IQ result for `iq`, addressed back to its sender, optionally with a payload. */
export function iqResult(iq: Element, payload?: Element): Element {
  const attrs: Record<string, string> = { type: 'result', id: iq.attrs.id as string };
  if (iq.attrs.to) attrs.from = iq.attrs.to as string;
  if (iq.attrs.from) attrs.to = iq.attrs.from as string;
  return payload ? xml('iq', attrs, payload) : xml('iq', attrs);
}

/**
 * An error reply for `stanza` (RFC 6120 §8.3.1): same kind, id kept, addresses swapped, the
 * original payload included, then the <error/>. Stanza ids (XEP-0359) are not the sender's
 * payload but an archive's, possibly the recipient's, whose ids the sender must not learn
 * (XEP-0313 §3.5): they stay out. Returns undefined for stanzas that must never be answered
 * with an error (type error, and IQ results).
 */
export function errorReply(stanza: Element, err: StanzaError, by?: string): Element | undefined {
  const type = stanza.attrs.type as string | undefined;
  if (type === 'error') return undefined;
  if (stanza.name === 'iq' && type === 'result') return undefined;
  const attrs: Record<string, string> = { type: 'error' };
  if (stanza.attrs.id !== undefined) attrs.id = stanza.attrs.id as string;
  if (stanza.attrs.to) attrs.from = stanza.attrs.to as string;
  if (stanza.attrs.from) attrs.to = stanza.attrs.from as string;
  const reply = xml(stanza.name, attrs);
  // IQ errors carry the request payload; for messages and presence include children as well
  // (SHOULD in §8.3.1), except for large bodies this is what most servers do too.
  for (const c of stanza.children) {
    if (typeof c !== 'string' && c.name !== 'error' && !(c.name === 'stanza-id' && c.attrs.xmlns === NS.SID)) reply.append(c);
  }
  reply.append(err.toElement(by));
  return reply;
}

/** A shallow copy of a stanza's top element with new attributes; children are shared (read-only). */
export function withAttrs(stanza: Element, attrs: Record<string, string | undefined>): Element {
  // xml() copies the attributes it is given; the changes go into that copy (this runs for every
  // presence broadcast and stamped stanza, so no further copies).
  const copy = xml(stanza.name, stanza.attrs);
  for (const k in attrs) {
    const v = attrs[k];
    if (v === undefined) delete copy.attrs[k];
    else copy.attrs[k] = v;
  }
  copy.children = stanza.children;
  return copy;
}

export type MessageType = 'normal' | 'chat' | 'groupchat' | 'headline' | 'error';

/** A message's type; a missing or unknown one counts as normal (RFC 6121 §5.2.2). */
export function messageType(stanza: Element): MessageType {
  const t = stanza.attrs.type as string | undefined;
  return t === 'chat' || t === 'groupchat' || t === 'headline' || t === 'error' ? t : 'normal';
}
