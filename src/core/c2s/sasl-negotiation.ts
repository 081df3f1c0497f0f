// SASL negotiation on a client stream (RFC 6120 §6): the mechanism offer, the exchange both
// SASL profiles share (RFC 6120's, here, and SASL2's, XEP-0388, in sasl2/), failure conditions
// (§6.5), the attempts allowed per stream, and failed-login throttling per account and address.
import { NS } from '../../xmpp/ns.js';
import { SaslFailure, StreamError } from '../../xmpp/errors.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { createMechanism, offerableMechanisms, type SaslContext, type SaslMechanism } from '../../xmpp/sasl/index.js';
import type { ChannelBindingType } from '../transport.js';
import { randomId } from '../../util/random-id.js';
import type { Credentials } from '../../storage/types.js';
import { credentialStamp } from '../account-notes.js';
import { AuthThrottle } from './throttle.js';
import type { C2sStream } from './stream.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of base64 text, or undefined when it is not valid base64 (incorrect-encoding). */
export function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

export interface SaslSuccess {
  readonly username: string;
  readonly additionalData?: Buffer | undefined;
}

/** How a SASL profile puts the exchange on the wire and completes it. */
export interface SaslProfile {
  challenge(data: Buffer | undefined): void;
  /** The mechanism succeeded: completes the login. A SaslFailure thrown here fails it. */
  success(mech: SaslMechanism, result: SaslSuccess): void | Promise<void>;
  failure(failure: SaslFailure): void;
}

export interface SaslOffer {
  readonly mechanisms: string[];
  readonly channelBindings: ChannelBindingType[];
}

/** RFC 6120's profile: <auth/>, <challenge/>, <response/>, <success/> and a stream restart. */
class ClassicProfile implements SaslProfile {
  constructor(private readonly stream: C2sStream) {}

  challenge(data: Buffer | undefined): void {
    this.stream.write(saslElement('challenge', data));
  }

  success(_mech: SaslMechanism, result: SaslSuccess): void {
    this.stream.write(saslElement('success', result.additionalData));
    this.stream.authenticated(result.username);
  }

  failure(f: SaslFailure): void {
    this.stream.write(f.toElement().toString());
  }
}

export class SaslNegotiation {
  private exchange: { mech: SaslMechanism; profile: SaslProfile } | undefined;
  private failures = 0;
  private offered: SaslOffer | undefined;
  private readonly classic: SaslProfile;
  /**
   * The stamp of the credentials the last lookup found: those a successful login used (the
   * session keeps it, so a change of the account's credentials elsewhere ends the session).
   */
  credentialStamp: number | undefined;
  /** The username of the last lookup: whose login is under way. */
  lookedUp: string | undefined;
  /** A lookup's read is under way. */
  reading = false;
  /** The account changed while its read was under way: read it again. */
  private readAgain = false;

  constructor(private readonly stream: C2sStream) {
    this.classic = new ClassicProfile(stream);
  }

  /**
   * An account's credentials, for a mechanism to check a login against (their stamp is kept). A
   * method, not a bound field: streams live long, and a closure each would be kept as long.
   */
  async lookup(username: string): Promise<Credentials | undefined> {
    // Known as this account's login from before the read: a change noticed while the read is
    // under way has it read again (`accountChanged`), as its result may predate the change.
    this.lookedUp = username;
    this.credentialStamp = undefined;
    this.reading = true;
    try {
      let credentials: Credentials | undefined;
      do {
        this.readAgain = false;
        credentials = (await this.stream.ctx.storage.accounts.get(this.stream.host!.name, username))?.credentials;
      } while (this.readAgain);
      this.credentialStamp = credentials ? credentialStamp(credentials) : undefined;
      return credentials;
    } finally {
      this.reading = false;
    }
  }

  /** The account of the login under way changed: a read under way is done again. */
  accountChanged(): void {
    if (this.reading) this.readAgain = true;
  }

  /** Authentication succeeded: what was offered is not needed any more (the stream lives on). */
  finished(): void {
    this.offered = undefined;
    // The stream holds the login's stamp from here on.
    this.lookedUp = undefined;
    this.credentialStamp = undefined;
  }

  offer(): SaslOffer {
    const t = this.stream.transport;
    const channelBindings = t.secure ? (Object.keys(t.channelBindings()) as ChannelBindingType[]) : [];
    const mechanisms = offerableMechanisms({ secure: t.secure, allowPlain: this.stream.ctx.config.auth.allow_plain, channelBindings });
    this.offered = { mechanisms, channelBindings };
    return this.offered;
  }

  /** The profile of the exchange under way, if any. */
  get inProgress(): SaslProfile | undefined {
    return this.exchange?.profile;
  }

  /** Whether `name` was offered on this stream (and for what reason it may not be used). */
  check(name: string): SaslFailure | undefined {
    if (this.offered?.mechanisms.includes(name)) return undefined;
    if (name === 'PLAIN' && !this.stream.transport.secure) return new SaslFailure('encryption-required', 'PLAIN needs TLS');
    return new SaslFailure('invalid-mechanism');
  }

  /** What mechanisms need to know about this stream. */
  context(): SaslContext {
    const t = this.stream.transport;
    const host = this.stream.host!;
    const ctx = this.stream.ctx;
    return {
      secure: t.secure,
      channelBinding: t.channelBindings(),
      offeredMechanisms: this.offered?.mechanisms ?? [],
      offeredChannelBindings: this.offered?.channelBindings ?? [],
      domain: host.name,
      fakeSaltSecret: ctx.fakeSaltSecret,
      lookup: (username) => this.lookup(username),
    };
  }

  /** A mechanism of the classic registry for this stream (undefined: not offered). */
  create(name: string): SaslMechanism | undefined {
    // The server's nonce part from the pooled random bytes (one OpenSSL call per 4 KiB, not per login).
    return createMechanism(name, this.context(), { fakeIterations: this.stream.ctx.config.auth.scram_iterations, randomNonce: scramNonce });
  }

  handle(el: Element): void | Promise<void> {
    if (this.stream.username !== undefined || this.stream.tlsPending) {
      // SASL before the required TLS, or again after success (RFC 6120 §5.3.1, §6.4.6).
      if (el.name === 'auth' && this.stream.tlsPending) return this.fail(this.classic, new SaslFailure('encryption-required', 'use STARTTLS first'));
      throw new StreamError('policy-violation', 'SASL is not available at this stage');
    }
    switch (el.name) {
      case 'auth': {
        if (this.exchange) return this.fail(this.classic, new SaslFailure('malformed-request', 'an authentication is already in progress'));
        const name = (el.attrs.mechanism as string | undefined) ?? '';
        const refused = this.check(name);
        if (refused) return this.fail(this.classic, refused);
        // No initial response: ask for one with an empty challenge (RFC 6120 §6.4.2).
        const text = el.getText().trim();
        return this.begin(this.classic, () => this.create(name), text === '' ? undefined : classicData(text));
      }
      case 'response':
        return this.respond(this.classic, classicData(el.getText().trim()));
      case 'abort':
        return this.abort(this.classic);
      default:
        throw new StreamError('unsupported-stanza-type');
    }
  }

  /**
   * Starts an exchange with the mechanism `create` makes (undefined: invalid-mechanism), unless
   * the client's address is throttled. `initial` is the initial response: absent (an empty
   * challenge asks for it), its bytes, or null when it was not valid base64.
   */
  begin(profile: SaslProfile, create: () => SaslMechanism | undefined, initial: Buffer | null | undefined): void | Promise<void> {
    if (this.stream.ctx.throttle.addresses.blocked(this.stream.transport.remoteAddress)) {
      return this.fail(profile, new SaslFailure('temporary-auth-failure', 'too many failed logins; try again later'), false);
    }
    const mech = create();
    if (!mech) return this.fail(profile, new SaslFailure('invalid-mechanism'));
    this.exchange = { mech, profile };
    if (initial === undefined) return profile.challenge(undefined);
    return this.step(initial);
  }

  /** A response to a challenge: its bytes, or null when it was not valid base64. */
  respond(profile: SaslProfile, data: Buffer | null): void | Promise<void> {
    if (this.exchange?.profile !== profile) return this.fail(profile, new SaslFailure('malformed-request', 'no authentication in progress'));
    return this.step(data);
  }

  abort(profile: SaslProfile): void {
    this.exchange = undefined;
    this.fail(profile, new SaslFailure('aborted'));
  }

  private async step(data: Buffer | null): Promise<void> {
    const { mech, profile } = this.exchange!;
    if (data === null) {
      this.exchange = undefined;
      return this.fail(profile, new SaslFailure('incorrect-encoding'));
    }
    const { throttle } = this.stream.ctx;
    const host = this.stream.host!;
    try {
      const result = await mech.step(data);
      if (this.accountBlocked(mech)) throw lockedOut();
      if (!result.success) return profile.challenge(result.challenge);
      this.exchange = undefined;
      await profile.success(mech, result.success);
      throttle.accounts.clear(AuthThrottle.accountKey(host.name, result.success.username));
      this.stream.log.info('authenticated', { stream: this.stream.id, user: result.success.username, host: host.name, mechanism: mech.name, address: this.stream.transport.remoteAddress });
    } catch (caught) {
      this.exchange = undefined;
      if (!(caught instanceof SaslFailure)) throw caught;
      // While an account is locked, a wrong password must get the same answer as the right one
      // (a single-step mechanism such as PLAIN fails before the check above), or the difference
      // would tell a guesser on many addresses which password is right.
      const err = caught.condition === 'not-authorized' && this.accountBlocked(mech) ? lockedOut() : caught;
      // Every failure counts against the address; only a wrong password (not-authorized)
      // counts against the account, so a client fumbling with mechanisms cannot lock it out.
      const address = this.stream.transport.remoteAddress;
      // The name the client gave, for admins and tools such as fail2ban (never the password).
      const user = mech.username;
      if (err.condition !== 'temporary-auth-failure' && err.condition !== 'aborted') {
        throttle.addresses.fail(address);
        if (throttle.addresses.blocked(address)) this.stream.log.warn('too many failed logins from an address: its logins are refused for a while', { host: host.name, address });
        if (err.condition === 'not-authorized' && user !== undefined) {
          const key = AuthThrottle.accountKey(host.name, user);
          throttle.accounts.fail(key);
          if (throttle.accounts.blocked(key)) this.stream.log.warn('too many failed logins for an account: its logins are refused for a while', { host: host.name, user, address });
        }
      }
      this.stream.log.info('authentication failed', { stream: this.stream.id, host: host.name, user, condition: err.condition, reason: err.text, address });
      this.fail(profile, err);
    }
  }

  private accountBlocked(mech: SaslMechanism): boolean {
    const user = mech.username;
    return user !== undefined && this.stream.ctx.throttle.accounts.blocked(AuthThrottle.accountKey(this.stream.host!.name, user));
  }

  /** Sends a failure; the attempts allowed per stream are shared by both profiles (RFC 6120 §6.4.5). */
  fail(profile: SaslProfile, failure: SaslFailure, counts = true): void {
    profile.failure(failure);
    if (counts && ++this.failures >= this.stream.ctx.config.auth.max_attempts_per_stream) {
      this.stream.close(new StreamError('policy-violation', 'too many failed authentication attempts'));
    }
  }
}

function lockedOut(): SaslFailure {
  return new SaslFailure('temporary-auth-failure', 'too many failed logins; try again later');
}

/** RFC 6120 §6.4.2: "=" is an empty response; anything else is base64. */
function classicData(text: string): Buffer | null {
  return text === '=' ? Buffer.alloc(0) : decodeBase64(text) ?? null;
}

function saslElement(name: 'success' | 'challenge', data: Buffer | undefined): string {
  const el = xml(name, { xmlns: NS.SASL });
  if (data && data.length) el.append(data.toString('base64'));
  return el.toString();
}

/** 18 random bytes, base64url: printable and without ',' as RFC 5802 §7 asks of a nonce. */
const scramNonce = (): string => randomId(18);
