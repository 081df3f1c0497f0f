// SASL negotiation on a client stream (RFC 6120 §6): mechanism offer, auth/response/abort,
// failure conditions (§6.5), retries, and failed-login throttling per account and address.
import { NS } from '../../xmpp/ns.js';
import { SaslFailure, StreamError } from '../../xmpp/errors.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { createMechanism, offerableMechanisms, type SaslMechanism } from '../../xmpp/sasl/index.js';
import type { ChannelBindingType } from '../transport.js';
import { AuthThrottle } from './throttle.js';
import type { C2sStream } from './stream.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function saslElement(name: 'success' | 'challenge', data: Buffer | undefined): string {
  const el = xml(name, { xmlns: NS.SASL });
  if (data && data.length) el.append(data.toString('base64'));
  return el.toString();
}

export class SaslNegotiation {
  private mechanism: SaslMechanism | undefined;
  private failures = 0;
  private offered: { mechanisms: string[]; channelBindings: ChannelBindingType[] } | undefined;

  constructor(private readonly stream: C2sStream) {}

  offer(): { mechanisms: string[]; channelBindings: ChannelBindingType[] } {
    const t = this.stream.transport;
    const channelBindings = t.secure ? (Object.keys(t.channelBindings()) as ChannelBindingType[]) : [];
    const mechanisms = offerableMechanisms({ secure: t.secure, allowPlain: this.stream.ctx.config.auth.allow_plain, channelBindings });
    this.offered = { mechanisms, channelBindings };
    return this.offered;
  }

  handle(el: Element): void | Promise<void> {
    if (this.stream.username !== undefined || this.stream.tlsPending) {
      // SASL before the required TLS, or again after success (RFC 6120 §5.3.1, §6.4.6).
      if (el.name === 'auth' && this.stream.tlsPending) return this.fail(new SaslFailure('encryption-required', 'use STARTTLS first'));
      throw new StreamError('policy-violation', 'SASL is not available at this stage');
    }
    switch (el.name) {
      case 'auth':
        return this.auth(el);
      case 'response':
        if (!this.mechanism) return this.fail(new SaslFailure('malformed-request', 'no authentication in progress'));
        return this.step(this.mechanism, el);
      case 'abort':
        this.mechanism = undefined;
        return this.fail(new SaslFailure('aborted'));
      default:
        throw new StreamError('unsupported-stanza-type');
    }
  }

  private auth(el: Element): void | Promise<void> {
    if (this.mechanism) return this.fail(new SaslFailure('malformed-request', 'an authentication is already in progress'));
    const name = (el.attrs.mechanism as string | undefined) ?? '';
    const t = this.stream.transport;
    if (!this.offered?.mechanisms.includes(name)) {
      if (name === 'PLAIN' && !t.secure) return this.fail(new SaslFailure('encryption-required', 'PLAIN needs TLS'));
      return this.fail(new SaslFailure('invalid-mechanism'));
    }
    if (this.stream.ctx.throttle.addresses.blocked(t.remoteAddress)) {
      return this.fail(new SaslFailure('temporary-auth-failure', 'too many failed logins; try again later'), false);
    }
    const host = this.stream.host!;
    const mech = createMechanism(name, {
      secure: t.secure,
      channelBinding: t.channelBindings(),
      offeredMechanisms: this.offered.mechanisms,
      offeredChannelBindings: this.offered.channelBindings,
      domain: host.name,
      fakeSaltSecret: this.stream.ctx.fakeSaltSecret,
      lookup: async (username) => (await this.stream.ctx.storage.accounts.get(host.name, username))?.credentials,
    }, { fakeIterations: this.stream.ctx.config.auth.scram_iterations });
    if (!mech) return this.fail(new SaslFailure('invalid-mechanism'));
    this.mechanism = mech;
    if (el.getText() === '') {
      // No initial response: ask for one with an empty challenge (RFC 6120 §6.4.2).
      this.stream.write(`<challenge xmlns='${NS.SASL}'/>`);
      return;
    }
    return this.step(mech, el);
  }

  private async step(mech: SaslMechanism, el: Element): Promise<void> {
    const text = el.getText().trim();
    if (text !== '=' && !BASE64.test(text)) {
      this.mechanism = undefined;
      return this.fail(new SaslFailure('incorrect-encoding'));
    }
    const data = text === '=' ? Buffer.alloc(0) : Buffer.from(text, 'base64');
    const { throttle } = this.stream.ctx;
    const host = this.stream.host!;
    try {
      const result = await mech.step(data);
      if (this.accountBlocked(mech)) throw lockedOut();
      if (result.success) {
        this.mechanism = undefined;
        throttle.accounts.clear(AuthThrottle.accountKey(host.name, result.success.username));
        const extra = result.success.additionalData;
        this.stream.write(saslElement('success', extra));
        this.stream.log.info('authenticated', { stream: this.stream.id, user: result.success.username, host: host.name, mechanism: mech.name });
        this.stream.authenticated(result.success.username);
        return;
      }
      this.stream.write(saslElement('challenge', result.challenge));
    } catch (caught) {
      this.mechanism = undefined;
      if (!(caught instanceof SaslFailure)) throw caught;
      // While an account is locked, a wrong password must get the same answer as the right one
      // (a single-step mechanism such as PLAIN fails before the check above), or the difference
      // would tell a guesser on many addresses which password is right.
      const err = caught.condition === 'not-authorized' && this.accountBlocked(mech) ? lockedOut() : caught;
      // Every failure counts against the address; only a wrong password (not-authorized)
      // counts against the account, so a client fumbling with mechanisms cannot lock it out.
      if (err.condition !== 'temporary-auth-failure' && err.condition !== 'aborted') {
        throttle.addresses.fail(this.stream.transport.remoteAddress);
        if (err.condition === 'not-authorized' && mech.username !== undefined) {
          throttle.accounts.fail(AuthThrottle.accountKey(host.name, mech.username));
        }
      }
      this.stream.log.info('authentication failed', { stream: this.stream.id, host: host.name, condition: err.condition, address: this.stream.transport.remoteAddress });
      this.fail(err);
    }
  }

  private accountBlocked(mech: SaslMechanism): boolean {
    const user = mech.username;
    return user !== undefined && this.stream.ctx.throttle.accounts.blocked(AuthThrottle.accountKey(this.stream.host!.name, user));
  }

  private fail(failure: SaslFailure, counts = true): void {
    this.stream.write(failure.toElement().toString());
    if (counts && ++this.failures >= this.stream.ctx.config.auth.max_attempts_per_stream) {
      this.stream.close(new StreamError('policy-violation', 'too many failed authentication attempts'));
    }
  }
}

function lockedOut(): SaslFailure {
  return new SaslFailure('temporary-auth-failure', 'too many failed logins; try again later');
}
