// SASL2 on a client stream (XEP-0388): the <authentication/> feature, <authenticate/>,
// <challenge/>/<response/>, <abort/>, <failure/> and <success/>. The exchange itself, its
// throttling, the attempts allowed per stream and the mechanisms are those of classic SASL
// (../sasl-negotiation.ts); FAST logins use the HT mechanisms with the client's tokens.
import { SaslFailure, StreamError } from '../../../xmpp/errors.js';
import { NS } from '../../../xmpp/ns.js';
import { xml, type Element } from '../../../xmpp/xml.js';
import { HtServer, offerableHtMechanisms, type SaslMechanism } from '../../../xmpp/sasl/index.js';
import type { ChannelBindingType } from '../../transport.js';
import { decodeBase64, type SaslProfile, type SaslSuccess } from '../sasl-negotiation.js';
import type { C2sStream } from '../stream.js';
import { authenticationFeature } from './feature.js';
import { featureText } from '../features.js';
import { FastLogin, fastKey } from './fast.js';
import { readAuthenticate, type AuthenticateRequest } from './request.js';
import { completeLogin } from './success.js';

export class Sasl2Negotiation implements SaslProfile {
  private request: AuthenticateRequest | undefined;
  private login: FastLogin | undefined;

  constructor(private readonly stream: C2sStream) {}

  /** §"Security Considerations": only once TLS is in place. */
  private get available(): boolean {
    return this.stream.ctx.config.sasl2.enabled && this.stream.transport.secure && !this.stream.tlsPending;
  }

  /** The HT mechanisms for FAST on this stream (XEP-0484: over TLS only). */
  private fastMechanisms(): string[] {
    const t = this.stream.transport;
    if (!this.available || !this.stream.ctx.config.fast.enabled) return [];
    return offerableHtMechanisms({ secure: t.secure, channelBindings: Object.keys(t.channelBindings()) as ChannelBindingType[] });
  }

  /** The stream feature beside classic SASL's, with the same mechanisms, serialised; '' when not offered. */
  feature(mechanisms: readonly string[]): string {
    if (!this.available || mechanisms.length === 0) return '';
    const { config } = this.stream.ctx;
    const sm = config.stream_management;
    const bindFeatures = [...this.stream.host?.bind2Features() ?? [], ...sm.enabled ? [NS.SM] : []];
    const offer = { mechanisms, resume: sm.enabled && sm.resume_timeout > 0, bindFeatures, fastMechanisms: this.fastMechanisms() };
    const key = `sasl2\x1f${mechanisms.join(' ')}\x1f${offer.resume}\x1f${bindFeatures.join(' ')}\x1f${offer.fastMechanisms.join(' ')}`;
    return featureText(key, () => [authenticationFeature(offer)]);
  }

  /** The profile's elements from the client. */
  handle(el: Element): void | Promise<void> {
    if (!this.stream.ctx.config.sasl2.enabled) throw new StreamError('unsupported-stanza-type');
    // §"Security Layers": after <success/>, another <authenticate/> is a stream error.
    if (this.stream.username !== undefined) throw new StreamError('policy-violation', 'already authenticated');
    const sasl = this.stream.sasl;
    switch (el.name) {
      case 'authenticate':
        return this.authenticate(el);
      case 'response':
        return sasl.respond(this, decodeBase64(el.getText().replace(/\s+/g, '')) ?? null);
      case 'abort':
        return sasl.abort(this);
      default:
        throw new StreamError('unsupported-stanza-type');
    }
  }

  /** §"During Authentication": only <response/> and <abort/> may come while an exchange is on. */
  guard(el: Element): void {
    if (this.stream.sasl.inProgress === this && (el.getNS() !== NS.SASL2 || el.name === 'authenticate')) {
      throw new StreamError('policy-violation', 'only <response/> or <abort/> during authentication');
    }
  }

  private authenticate(el: Element): void | Promise<void> {
    const sasl = this.stream.sasl;
    if (sasl.inProgress) throw new StreamError('policy-violation', 'an authentication is already in progress');
    if (!this.available) return sasl.fail(this, new SaslFailure('encryption-required', 'use TLS first'));
    const fastMechanisms = this.fastMechanisms();
    let request: AuthenticateRequest;
    try {
      request = readAuthenticate(el, { fastMechanisms });
    } catch (err) {
      if (err instanceof SaslFailure) return sasl.fail(this, err);
      throw err;
    }
    this.request = request;
    this.login = undefined;
    // XEP-0484 §"Client authenticates using FAST": <fast/> says the client logs in with a token,
    // which only the HT mechanisms offered in <fast/> accept; without it they are not offered.
    if (request.fast) {
      if (!fastMechanisms.includes(request.mechanism)) return sasl.fail(this, new SaslFailure('invalid-mechanism'));
      const { ctx, transport } = this.stream;
      const login = new FastLogin(ctx.storage.fastTokens, fastKey(ctx.fakeSaltSecret), this.stream.host!.name, request.clientId, request.mechanism, () => new Date(), (username) => sasl.lookup(username));
      this.login = login;
      const mechanism = new HtServer(request.mechanism, { secure: transport.secure, channelBinding: transport.channelBindings() }, login);
      return sasl.begin(this, () => mechanism, request.initial);
    }
    const refused = sasl.check(request.mechanism);
    if (refused) return sasl.fail(this, refused);
    return sasl.begin(this, () => sasl.create(request.mechanism), request.initial);
  }

  challenge(data: Buffer | undefined): void {
    const el = xml('challenge', { xmlns: NS.SASL2 });
    if (data?.length) el.append(data.toString('base64'));
    this.stream.write(el.toString());
  }

  /** §"Failure": one of RFC 6120's SASL conditions (in their namespace) and a text. */
  failure(failure: SaslFailure): void {
    const el = xml('failure', { xmlns: NS.SASL2 }, xml(failure.condition, { xmlns: NS.SASL }));
    if (failure.text) el.append(xml('text', {}, failure.text));
    this.stream.write(el.toString());
  }

  success(mech: SaslMechanism, result: SaslSuccess): Promise<void> {
    return completeLogin(this.stream, this.request!, mech, result, this.login);
  }
}
