// Resource binding (RFC 6120 §7), the legacy session IQ (RFC 3921 §3, kept for old clients),
// and the checks every stanza from a bound client passes before routing (RFC 6120 §8.1).
import { randomId } from '../../util/random-id.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError, StreamError } from '../../xmpp/errors.js';
import { Jid, JidError } from '../../xmpp/jid.js';
import { errorReply, iqPayload, iqResult } from '../../xmpp/stanza.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { C2sSession } from './client-session.js';
import type { C2sStream } from './stream.js';
import type { ClientSession } from '../session-types.js';

const IQ_TYPES = new Set(['get', 'set', 'result', 'error']);
const PRESENCE_TYPES = new Set(['unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe', 'error']);

/** A stanza (RFC 6120 §8) rather than a nonza such as XEP-0352's <active/>. */
export function isClientStanza(el: Element): boolean {
  return el.attrs.xmlns === NS.CLIENT && (el.name === 'iq' || el.name === 'message' || el.name === 'presence');
}

function reply(stream: C2sStream, stanza: Element, err: StanzaError): void {
  const r = errorReply(stanza, err);
  if (r) stream.sendStanza(r);
}

function isSessionIq(el: Element): boolean {
  return el.name === 'iq' && el.attrs.type === 'set' && el.getChild('session', NS.SESSION) !== undefined;
}

/** Stanzas after SASL and before a resource is bound: only bind and session are allowed. */
export function handleBindStage(stream: C2sStream, el: Element): void {
  if (!isClientStanza(el)) throw new StreamError('unsupported-stanza-type');
  if (isSessionIq(el)) return stream.sendStanza(iqResult(el));
  const bind = el.name === 'iq' && el.attrs.type === 'set' ? el.getChild('bind', NS.BIND) : undefined;
  if (!bind) throw new StreamError('not-authorized', 'bind a resource first');
  const host = stream.host!;
  const requested = bind.getChildText('resource', NS.BIND) ?? bind.getChildText('resource');
  let jid: Jid;
  try {
    jid = Jid.of(stream.username!, host.name, requested ? requested : randomId(6));
  } catch (err) {
    if (err instanceof JidError) return reply(stream, el, new StanzaError('bad-request', 'the resource is not valid'));
    throw err;
  }
  // §7.6.2.1: past the account's limit of connected resources, <resource-constraint/> (type
  // wait, §8.3.3.18); a replacement (same resource, §7.7.2.2) does not add one.
  if (!stream.ctx.sessions.get(jid) && overResourceLimit(stream, jid)) {
    return reply(stream, el, new StanzaError('resource-constraint', `at most ${stream.ctx.config.limits.max_resources_per_account} resources may be connected at once`));
  }
  const session = new C2sSession(jid, stream.transport.remoteAddress, stream.transport.secure, stream.credentialStamp, stream, host, stream.ctx);
  stream.sendStanza(iqResult(el, xml('bind', { xmlns: NS.BIND }, xml('jid', {}, jid.full))));
  registerSession(stream, session);
}

/**
 * A new resource for `jid`'s account would pass limits.max_resources_per_account; sessions in
 * `replacing` (which the new one ends) do not count.
 */
export function overResourceLimit(stream: C2sStream, jid: Jid, replacing: readonly ClientSession[] = []): boolean {
  const max = stream.ctx.config.limits.max_resources_per_account;
  if (max <= 0) return false;
  return stream.ctx.sessions.resources(jid).filter((s) => !replacing.includes(s)).length >= max;
}

/**
 * Makes a session bound on `stream` known: registered, logged and announced (`session/bound`).
 * A bind of a resource already in use replaces the old session (RFC 6120 §7.7.2.2, the
 * 'override' policy), and so does `replaces` (sessions of the same client, XEP-0386): the old
 * streams get a conflict stream error.
 */
export function registerSession(stream: C2sStream, session: C2sSession, replaces: readonly C2sSession[] = []): void {
  const old = stream.ctx.sessions.get(session.jid);
  stream.session = session;
  for (const s of old ? [old, ...replaces] : replaces) {
    if (s !== session) s.close(new StreamError('conflict', 'replaced by a new connection'));
  }
  stream.ctx.sessions.add(session);
  stream.log.info('session started', { session: session.id, jid: session.jid.full, stream: stream.id, secure: session.secure });
  session.host.events.emit('session/bound', { session });
}

/** bad-request for a bound client's stanza, through the session so that stream management counts it (XEP-0198 §4). */
function refuse(session: C2sSession, stanza: Element, text: string): void {
  const r = errorReply(stanza, new StanzaError('bad-request', text));
  if (r) session.send(r);
}

/** A stanza from a bound client: checked, `from` stamped, then routed in order. */
export function handleBound(stream: C2sStream, session: C2sSession, el: Element): void | Promise<void> {
  if (!isClientStanza(el)) {
    // Not a stanza: a module may have claimed its namespace (e.g. XEP-0352's <active/>).
    const nonza = stream.host?.nonzaHandler(el.getNS() ?? '');
    if (!nonza) throw new StreamError('unsupported-stanza-type');
    return nonza(session, el);
  }
  // RFC 6120 §8.1.2.1: a 'from' the client may use is its full JID or bare JID; anything else
  // is refused with invalid-from (§4.9.3.9). The server always stamps the full JID.
  const from = el.attrs.from as string | undefined;
  if (from !== undefined && from !== session.jid.full && from !== session.jid.bare) {
    const parsed = Jid.tryParse(from);
    if (!parsed || (parsed.full !== session.jid.full && parsed.full !== session.jid.bare)) {
      throw new StreamError('invalid-from', 'the from address does not match this session');
    }
  }
  el.attrs.from = session.jid.full;
  // RFC 6120 §4.7.4: a stanza without a language is in that of its stream.
  if (stream.lang !== undefined && el.attrs['xml:lang'] === undefined) el.attrs['xml:lang'] = stream.lang;
  const type = el.attrs.type as string | undefined;
  if (el.name === 'iq') {
    // RFC 6120 §8.2.3: an IQ needs an id and one of the four types; get/set carry one child.
    if (el.attrs.id === undefined || type === undefined || !IQ_TYPES.has(type)) return refuse(session, el, 'an IQ needs an id and a valid type');
    if ((type === 'get' || type === 'set') && !iqPayload(el)) return refuse(session, el, 'an IQ get or set must have exactly one child element');
    // RFC 3921 §3 addresses the session IQ to the server; clients also send it without 'to'.
    if (isSessionIq(el) && (el.attrs.to === undefined || el.attrs.to === session.jid.domain)) return session.send(iqResult(el));
  } else if (el.name === 'presence' && type !== undefined && !PRESENCE_TYPES.has(type)) {
    return refuse(session, el, 'unknown presence type');
  } else if (el.name === 'message') {
    dropForgedDelays(el, stream.ctx.hosts);
  }
  return stream.ctx.router.route(el, session);
}

/**
 * XEP-0203 §5: a delay stamp in this server's name can only be forged by a client (the server
 * stamps what it delayed itself, later); it goes, so nobody takes it for the server's, such as
 * offline storage handing on a message with its original stamp (XEP-0198 §4).
 */
function dropForgedDelays(el: Element, hosts: ReadonlyMap<string, unknown>): void {
  for (const c of el.children) {
    if (!isOurDelay(c, hosts)) continue;
    // Rare: only then a filter (and its closure).
    el.children = el.children.filter((x) => !isOurDelay(x, hosts));
    return;
  }
}

function isOurDelay(c: Element | string, hosts: ReadonlyMap<string, unknown>): boolean {
  return typeof c !== 'string' && c.name === 'delay' && c.attrs.xmlns === NS.DELAY
    && typeof c.attrs.from === 'string' && hosts.has(c.attrs.from.toLowerCase());
}
