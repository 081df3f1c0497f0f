// Bind 2 (XEP-0386): a resource bound inside the SASL2 login, named after the client's <tag/>,
// with the features the client asks for enabled before anyone can see the session: stream
// management here (core), carbons, client state and others through modules' Bind 2 handlers.
import { randomId } from '../../../util/random-id.js';
import { SaslFailure, StreamError } from '../../../xmpp/errors.js';
import { Jid, JidError } from '../../../xmpp/jid.js';
import { NS } from '../../../xmpp/ns.js';
import { xml, type Element } from '../../../xmpp/xml.js';
import { C2sSession } from '../client-session.js';
import { overResourceLimit, registerSession } from '../bind.js';
import { enableOn } from '../sm/negotiation.js';
import type { C2sStream } from '../stream.js';

/** The SASL2 user-agent id each session was bound with, to find earlier sessions of a client. */
const clients = new WeakMap<C2sSession, string>();

/**
 * §"Resource identifier generation": the client's tag, a slash and a random part, e.g.
 * AwesomeXMPP/rQ7Lwut0; only the random part when the tag cannot be part of a resource.
 */
export function bind2Jid(username: string, domain: string, tag: string | undefined): Jid {
  const random = randomId(6);
  if (tag) {
    try {
      return Jid.of(username, domain, `${tag}/${random}`);
    } catch (err) {
      if (!(err instanceof JidError)) throw err;
    }
  }
  return Jid.of(username, domain, random);
}

export interface PreparedBind {
  readonly session: C2sSession;
  /** <bound/> with the answers of the inline features. */
  readonly bound: Element;
}

/**
 * §"Performing the bind": a new session for the request, with the inline features enabled in
 * the order the client listed them. The session is not registered yet (`commitBind2`), so no
 * stanza can reach it before the client has the <success/>.
 */
/**
 * RFC 6120 §7.6.2.1 applies to Bind 2 as well: past the resource limit, a bind fails. Sessions
 * of this same client, which the new one replaces, do not count. No SASL2 condition fits better
 * than a temporary failure. Checked again by prepareBind2; `completeLogin` asks first, before
 * anything of the login takes effect (XEP-0388 §"Failure": a failed request changes nothing).
 */
export function checkBind2Room(stream: C2sStream, jid: Jid, clientId: string | undefined): void {
  const replacing = clientId === undefined ? [] : stream.ctx.sessions.resources(jid.toBare()).filter((s) => s instanceof C2sSession && clients.get(s) === clientId);
  if (overResourceLimit(stream, jid, replacing)) throw new SaslFailure('temporary-auth-failure', 'too many resources are connected');
}

export async function prepareBind2(stream: C2sStream, bind: Element, clientId: string | undefined): Promise<PreparedBind> {
  const host = stream.host!;
  const jid = bind2Jid(stream.username!, host.name, bind.getChildText('tag', NS.BIND2) ?? undefined);
  checkBind2Room(stream, jid, clientId);
  const session = new C2sSession(jid, stream.transport.remoteAddress, stream.transport.secure, stream.credentialStamp, stream, host, stream.ctx);
  if (clientId !== undefined) clients.set(session, clientId);
  const bound = xml('bound', { xmlns: NS.BIND2 });
  for (const request of bind.getChildElements()) {
    const ns = request.getNS();
    if (ns === undefined || ns === NS.BIND2) continue;
    if (ns === NS.SM) {
      // XEP-0198 inside Bind 2: <bound/> carries the <enabled/> or <failed/>.
      if (request.name === 'enable') bound.append(enableOn(stream, session, request));
      continue;
    }
    const handler = host.bind2Handler(ns);
    if (!handler) continue;
    try {
      const answer = await handler(session, request);
      if (answer) bound.append(answer);
    } catch (err) {
      stream.log.warn('a Bind 2 inline feature failed', { stream: stream.id, ns, err });
    }
  }
  // The sessions this client left behind end before the steps below: what they never
  // acknowledged is stored offline first (XEP-0198 §4), and so the offline step leaves it to
  // the archive like the rest, instead of it coming again after the bind.
  for (const s of earlierOf(stream, session)) s.close(new StreamError('conflict', 'replaced by a new connection'));
  // Steps of every bind (offline messages the archive holds, archive metadata), after the
  // requested features so their answers come first.
  for (const hook of host.bind2HookList()) {
    try {
      const answer = await hook(session);
      if (answer) bound.append(answer);
    } catch (err) {
      stream.log.warn('a Bind 2 step failed', { stream: stream.id, err });
    }
  }
  return { session, bound };
}

/**
 * The session goes live: registered and announced. Earlier sessions of the same client
 * installation end (§"Performing the bind": they are the ones it left behind).
 */
export function commitBind2(stream: C2sStream, session: C2sSession): void {
  // Ended by prepareBind2 already, but one may have come since.
  registerSession(stream, session, earlierOf(stream, session));
}

/** The other sessions of the same client installation (its user-agent id). */
function earlierOf(stream: C2sStream, session: C2sSession): C2sSession[] {
  const clientId = clients.get(session);
  if (clientId === undefined) return [];
  return stream.ctx.sessions.resources(session.jid.toBare())
    .filter((s): s is C2sSession => s instanceof C2sSession && s !== session && clients.get(s) === clientId);
}
