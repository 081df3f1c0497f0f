// XEP-0077 §3.1.1 "Registration with a Server": an unauthenticated client asks for the
// registration fields and creates its account, then authenticates with it. The host's policy
// decides who may: nobody, anybody, or holders of an invitation token (XEP-0401 invitations,
// see form.ts for how the token is sent).
import type { Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import { Jid } from '../../xmpp/jid.js';
import type { ModuleApi } from '../../core/module-api.js';
import type { RegisterOptions } from './options.js';
import { readSubmission, registrationQuery, type Submission } from './form.js';
import { checkPassword, credentialsFor, newUsername } from './rules.js';
import { answer, errorIq, type Outcome } from './reply.js';
import type { AddressThrottle } from './throttle.js';

/** What the `iq/preauth` event gives a handler. */
export interface PreauthRequest {
  readonly stanza: Element;
  readonly payload: Element;
  readonly remoteAddress: string;
  readonly secure: boolean;
  reply(stanza: Element): void;
}

/** Refusals that tell a prober something: the username exists, or the token is not valid. */
const PROBING = new Set(['conflict', 'forbidden']);

export function preauthHandler(
  api: ModuleApi<RegisterOptions>, throttle: AddressThrottle, failures: AddressThrottle,
): (req: PreauthRequest) => boolean | Promise<boolean> {
  const { policy } = api.options;

  /** The checks every pre-authentication request passes, get or set. */
  const admissible = (req: PreauthRequest, what: 'get' | 'set'): void => {
    // §3.1: a host that does not support registration answers a get with service-unavailable;
    // a set is refused with not-allowed (no sender is allowed to register in-band).
    if (policy === 'disabled') {
      throw what === 'get' ? new StanzaError('service-unavailable') : new StanzaError('not-allowed', 'in-band registration is disabled on this server');
    }
    // §11 Security Considerations: registration SHOULD NOT be used over an unsecured channel.
    if (!req.secure) throw new StanzaError('not-allowed', 'registration needs an encrypted connection (STARTTLS)');
  };

  const register = async (req: PreauthRequest, sub: Submission): Promise<Outcome> => {
    // §3.2 error table: a removal from an entity that is not registered with the server (it has
    // no 'from' since it has not authenticated) is unexpected-request.
    if (sub.remove) throw new StanzaError('unexpected-request', 'log in to cancel a registration');
    admissible(req, 'set');
    const failed = failures.retryAfter(req.remoteAddress, Date.now());
    if (failed > 0) throw tooMany('failed registrations', failed);
    const release = throttle.take(req.remoteAddress, Date.now());
    if (!release) throw tooMany('registrations', throttle.retryAfter(req.remoteAddress, Date.now()));
    try {
      const username = await createAccount(sub);
      api.log.info('account registered in-band', { username, address: req.remoteAddress, policy });
      api.emit('account/created', { host: api.host, username });
      return {};
    } catch (err) {
      release();
      if (err instanceof StanzaError && PROBING.has(err.condition)) failures.take(req.remoteAddress, Date.now());
      throw err;
    }
  };

  const createAccount = async (sub: Submission): Promise<string> => {
    // §3.1: every field asked for must be provided, and an empty password is not-acceptable.
    if (!sub.username || !sub.password) throw new StanzaError('not-acceptable', 'a username and a password are required');
    if (policy === 'invite' && !sub.token) throw new StanzaError('not-acceptable', 'an invitation token is required (data form field "token")');
    const username = newUsername(sub.username);
    checkPassword(sub.password, api.options.min_password_length);
    const { accounts, invites } = api.storage;
    const token = sub.token?.trim() ?? '';
    const refused = (): StanzaError => new StanzaError('forbidden', 'the invitation token is not valid (unknown, expired or used up)');
    if (policy === 'invite') {
      // Checked before the costly key derivation; consumed atomically only once all else is fine.
      const invite = await invites.get(api.host, token);
      if (!invite || invite.usesLeft <= 0 || invite.expires.getTime() <= Date.now()) throw refused();
    }
    if (await accounts.get(api.host, username)) throw new StanzaError('conflict', 'this username is taken');
    const credentials = await credentialsFor(sub.password, api.options.scram_iterations);
    if (policy === 'invite' && !(await invites.consume(api.host, token, new Date()))) throw refused();
    // Two clients may race for one name; the store decides, the loser gets conflict (§3.1).
    if (!(await accounts.create(api.host, username, credentials))) {
      if (policy === 'invite') api.log.warn('invitation use spent on a username taken concurrently', { username });
      throw new StanzaError('conflict', 'this username is taken');
    }
    return username;
  };

  return (req) => {
    const { stanza, payload } = req;
    if (!payload.is('query', NS.REGISTER)) return false;
    const type = stanza.attrs.type as string | undefined;
    if (type !== 'get' && type !== 'set') return false;
    const to = stanza.attrs.to as string | undefined;
    if (to !== undefined && Jid.tryParse(to)?.full !== api.host) return false;
    if (stanza.attrs.id === undefined) {
      req.reply(errorIq(stanza, new StanzaError('bad-request', 'an IQ needs an id (RFC 6120 §8.2.3)')));
      return true;
    }
    const send = (el: Element): void => req.reply(el);
    const work = type === 'get'
      ? async (): Promise<Outcome> => {
        admissible(req, 'get');
        return { payload: registrationQuery(api.host, policy === 'invite' ? 'invite' : 'open', api.options.min_password_length) };
      }
      : async (): Promise<Outcome> => register(req, readSubmission(payload));
    return answer(stanza, send, api.log, work).then(() => true);
  };
}

/** RFC 6120 §8.3.3.12: a local service policy was violated; type wait, since retrying after the
 *  window has passed will succeed. */
function tooMany(what: string, seconds: number): StanzaError {
  return new StanzaError('policy-violation', `too many ${what} from this address; try again in ${seconds} seconds`, 'wait');
}
