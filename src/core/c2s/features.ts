// Stream features offered at each stage of client negotiation (RFC 6120 §4.3.2, §5, §6, §7).
import { xml, type Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { serialize } from '../../xmpp/serialize.js';
import type { ChannelBindingType } from '../transport.js';
import { smFeature } from './sm/elements.js';
import type { C2sStream } from './stream.js';

export function tlsFeature(required: boolean): Element {
  return xml('starttls', { xmlns: NS.TLS }, ...(required ? [xml('required')] : []));
}

export function saslFeatures(mechanisms: string[], bindings: ChannelBindingType[]): Element[] {
  const out = [xml('mechanisms', { xmlns: NS.SASL }, ...mechanisms.map((m) => xml('mechanism', {}, m)))];
  // XEP-0440: tell the client which channel-binding types it may use with -PLUS mechanisms.
  if (bindings.length > 0) {
    out.push(xml('sasl-channel-binding', { xmlns: NS.SASL_CB }, ...bindings.map((type) => xml('channel-binding', { type }))));
  }
  return out;
}

export function bindFeatures(streamManagement: boolean): Element[] {
  const out = [
    xml('bind', { xmlns: NS.BIND }),
    // RFC 6121 obsoleted session establishment; advertise it as optional for old clients (RFC 3921bis).
    xml('session', { xmlns: NS.SESSION }, xml('optional')),
  ];
  // XEP-0198 §2: offered beside bind, for enabling after binding or resuming instead of it.
  if (streamManagement) out.push(smFeature());
  return out;
}

/** After an inline bind or resumption (SASL2): stream management when not enabled yet. */
export function sessionFeatures(streamManagement: boolean): Element[] {
  return streamManagement ? [smFeature()] : [];
}

/** What XEP-0478 lets a stream announce about the limits it enforces. */
export interface StreamLimits {
  /** Largest first-level element accepted, in bytes. */
  maxBytes: number;
  /** Seconds of silence after which the stream may be closed; 0 when there is no such limit. */
  idleSeconds: number;
}

/** XEP-0478 §2: <limits/>, informational, so it may accompany any other feature. */
export function limitsFeature(limits: StreamLimits): Element {
  const el = xml('limits', { xmlns: NS.STREAM_LIMITS }, xml('max-bytes', {}, String(limits.maxBytes)));
  if (limits.idleSeconds > 0) el.append(xml('idle-seconds', {}, String(limits.idleSeconds)));
  return el;
}

/**
 * Feature elements serialised once per combination of what decides them (`key`, which must name
 * every input of `build`): every stream is offered one of a handful of combinations, and
 * building and serialising them anew took about 1.5 % of a login and a tenth of its allocation.
 */
export function featureText(key: string, build: () => readonly Element[]): string {
  let text = TEXTS.get(key);
  if (text === undefined) {
    text = build().map((el) => serialize(el)).join('');
    if (TEXTS.size >= MAX_TEXTS) TEXTS.clear();
    TEXTS.set(key, text);
  }
  return text;
}

const TEXTS = new Map<string, string>();
/** Bounds the memo should configuration or modules produce many combinations. */
const MAX_TEXTS = 256;

/** <stream:features/> around already serialised features, the limits (XEP-0478) last. */
export function featuresText(parts: readonly string[], limits: StreamLimits): string {
  const l = featureText(`limits\x1f${limits.maxBytes}\x1f${limits.idleSeconds}`, () => [limitsFeature(limits)]);
  return `<stream:features>${parts.join('')}${l}</stream:features>`;
}

/** The <stream:features/> of a stream's current stage (RFC 6120 §4.3.2). */
export function streamFeaturesText(stream: C2sStream): string {
  const { ctx, transport, host, session } = stream;
  const sm = ctx.config.stream_management.enabled;
  const secure = transport.secure;
  const parts: string[] = [];
  if (session) {
    // Bound by Bind 2 or resumed inside SASL2 (XEP-0388 §"Success"): no resource binding left.
    const offerSm = sm && !session.sm;
    parts.push(featureText(`session\x1f${offerSm}`, () => sessionFeatures(offerSm)), host?.streamFeaturesText('bound', secure) ?? '');
  } else if (stream.username !== undefined) {
    parts.push(featureText(`bind\x1f${sm}`, () => bindFeatures(sm)), host?.streamFeaturesText('bound', secure) ?? '');
  } else if (stream.tlsPending) {
    parts.push(featureText('starttls\x1ftrue', () => [tlsFeature(true)]));
  } else {
    if (transport.canStartTls) parts.push(featureText('starttls\x1ffalse', () => [tlsFeature(false)]));
    const { mechanisms, channelBindings } = stream.sasl.offer();
    parts.push(
      featureText(`sasl\x1f${mechanisms.join(' ')}\x1f${channelBindings.join(' ')}`, () => saslFeatures(mechanisms, channelBindings)),
      stream.sasl2.feature(mechanisms),
      host?.streamFeaturesText('preauth', secure) ?? '',
    );
  }
  const l = ctx.config.limits;
  return featuresText(parts, { maxBytes: l.max_stanza_bytes, idleSeconds: l.idle_timeout });
}
