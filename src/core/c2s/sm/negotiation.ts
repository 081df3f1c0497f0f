// Stream management commands from a client (XEP-0198): <enable/> (§3), <resume/> (§5), <r/>
// and <a/> (§4). They are top-level elements, not stanzas: never counted in 'h'.
import { StreamError } from '../../../xmpp/errors.js';
import { Jid } from '../../../xmpp/jid.js';
import type { Element } from '../../../xmpp/xml.js';
import type { C2sStream } from '../stream.js';
import type { C2sSession } from '../client-session.js';
import { SmState } from './state.js';
import { parseH } from './queue.js';
import { ack, enabled, failed, HandledCountTooHigh, resumed } from './elements.js';

/** Per stream, the `<a/>` answers still waiting for durable writes, so they go out in order. */
const answering = new WeakMap<C2sStream, Promise<void>>();

export function handleSm(stream: C2sStream, el: Element): void {
  switch (el.name) {
    case 'enable':
      return enable(stream, el);
    case 'resume':
      return resume(stream, el);
    case 'r':
      return answerRequest(stream);
    case 'a':
      return acknowledged(stream, el);
    default:
      throw new StreamError('unsupported-stanza-type', 'unknown stream management element');
  }
}

function enable(stream: C2sStream, el: Element): void {
  // §3: only after authentication and resource binding.
  const session = stream.session;
  stream.sendStanza(session ? enableOn(stream, session, el) : failed('unexpected-request'));
}

/**
 * Enables stream management on `session` as <enable/> asks (§3) and returns the answer,
 * <enabled/> or <failed/>. Also called for an <enable/> inside a Bind 2 request (XEP-0386).
 */
export function enableOn(stream: C2sStream, session: C2sSession, el: Element): Element {
  const config = stream.ctx.config.stream_management;
  // §3: only once per session (a resumed session has it already).
  if (session.sm) return failed('unexpected-request');
  if (!config.enabled) return failed('feature-not-implemented');
  const wantsResume = el.attrs.resume === 'true' || el.attrs.resume === '1';
  const resumable = wantsResume && config.resume_timeout > 0;
  // §3: 'max' is the client's preferred window; it may shorten ours, never lengthen it.
  const asked = parseH(el.attrs.max);
  const window = resumable ? Math.min(config.resume_timeout, asked !== undefined && asked > 0 ? asked : Infinity) : 0;
  const id = resumable ? stream.ctx.smSessions.newId() : undefined;
  const log = stream.log;
  session.sm = new SmState(id, window, { maxUnacked: config.max_unacked, requestEvery: config.request_ack_every },
    () => session.carrier, () => overflow(log, session));
  if (id !== undefined) stream.ctx.smSessions.add(id, session);
  stream.log.debug('stream management enabled', { session: session.id, resumable });
  return enabled(id === undefined ? undefined : { id, max: window });
}

/** Too many stanzas wait for an acknowledgement: the session ends and they are handed on. */
function overflow(log: C2sStream['log'], session: C2sSession): void {
  if (session.ended) return;
  log.warn('too many unacknowledged stanzas', { session: session.id, jid: session.jid.full, unacked: session.sm?.queue.length });
  session.close(new StreamError('policy-violation', 'too many unacknowledged stanzas'));
}

function resume(stream: C2sStream, el: Element): void {
  const outcome = resumeOn(stream, el);
  stream.sendStanza(outcome.answer);
  outcome.resumed?.();
}

export interface ResumeOutcome {
  /** <resumed/> or <failed/>. */
  readonly answer: Element;
  /** After a resumption, once the answer is written: resends what the client has not acknowledged. */
  readonly resumed?: () => void;
}

/**
 * Resumes the session <resume/> names on `stream` (§5). Also called for a <resume/> inside a
 * SASL2 <authenticate/> (XEP-0388), whose <success/> carries the answer.
 */
export function resumeOn(stream: C2sStream, el: Element): ResumeOutcome {
  const config = stream.ctx.config.stream_management;
  const host = stream.host;
  // §5: after authentication, in place of resource binding.
  if (stream.username === undefined || stream.session || !host) return { answer: failed('unexpected-request') };
  if (!config.enabled || config.resume_timeout === 0) return { answer: failed('feature-not-implemented') };
  const previd = el.attrs.previd as string | undefined;
  const h = parseH(el.attrs.h);
  if (!previd || h === undefined) return { answer: failed('bad-request') };
  const account = Jid.of(stream.username, host.name).bare;
  const found = stream.ctx.smSessions.find(previd, account);
  // §5: unknown or timed out; with the count of handled stanzas when the session is known to
  // have ended, so the client knows what to send again. The client may bind instead.
  if (!found.session) return { answer: failed('item-not-found', found.h) };
  const session = found.session;
  const sm = session.sm!;
  // §5: 'h' is handled as on <a/>; more than was sent is the §6 error.
  if (sm.queue.ack(h) === 'too-high') throw new HandledCountTooHigh(h, sm.queue.sent);
  stream.session = session;
  session.attach(stream, stream.transport.remoteAddress, stream.transport.secure, stream.credentialStamp);
  return {
    answer: resumed(previd, sm.inbound),
    resumed: () => {
      // §5: then everything still unacknowledged, in order, and a request for the lot.
      sm.queue.forEach((stanza) => stream.sendStanza(stanza));
      sm.requestNow(stream);
      stream.log.info('session resumed', { session: session.id, jid: session.jid.full, stream: stream.id, resent: sm.queue.length });
      host.events.emit('session/resumed', { session });
    },
  };
}

/**
 * §4: answers <r/> with the count of stanzas handled so far, once every write-behind buffer has
 * made them durable. Stanzas keep flowing meanwhile; answers leave in the order asked.
 */
function answerRequest(stream: C2sStream): void {
  const sm = stream.session?.sm;
  const host = stream.host;
  if (!sm || !host) return;
  const h = sm.inbound;
  const before = answering.get(stream) ?? Promise.resolve();
  const next = before.then(() => host.flushWrites()).then(
    () => stream.write(ack(h)),
    (err: unknown) => {
      // Not acknowledged means the client keeps the stanzas; close so it sends them again.
      stream.log.error('buffered writes failed; acknowledgement withheld', { stream: stream.id, err });
      stream.close(new StreamError('internal-server-error'));
    },
  );
  answering.set(stream, next);
}

function acknowledged(stream: C2sStream, el: Element): void {
  const sm = stream.session?.sm;
  if (!sm) return;
  const h = parseH(el.attrs.h);
  if (h === undefined) return stream.log.debug('ignoring <a/> without a valid h', { stream: stream.id });
  if (sm.queue.ack(h) === 'too-high') throw new HandledCountTooHigh(h, sm.queue.sent);
}
