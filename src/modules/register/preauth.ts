// XEP-0077 §3.1.1 "Registration with a Server": an unauthenticated client asks for the
// registration fields and creates its account, then authenticates with it. The host's policy
// decides who may: nobody, anybody, or holders of an invitation token (XEP-0401 invitations,
// see form.ts for how the token is sent).
import type { Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import { Jid } from '../../xmpp/jid.js';
import type { ModuleApi } from '../../core/module-api.js';
import type { Invite } from '../../storage/types.js';
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
  readonly connection: object;
  reply(stanza: Element): void;
}

/** An invitation token a connection presented before registering (XEP-0445), and when. */
interface Grant {
  readonly token: string;
  readonly at: Date;
}

/** Whether an invitation may still create an account at `at` (uses left, not expired). */
function usable(invite: Invite | undefined, at: Date): boolean {
  return invite !== undefined && invite.usesLeft > 0 && invite.expires.getTime() > at.getTime();
}

/** Refusals that tell a prober something: the username exists, or the token is not valid. */
const PROBING = new Set(['conflict', 'forbidden']);

export function preauthHandler(
  api: ModuleApi<RegisterOptions>, throttle: AddressThrottle, failures: AddressThrottle,
): (req: PreauthRequest) => boolean | Promise<boolean> {
  const { policy } = api.options;
  const granted = new WeakMap<object, Grant>();

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

  /**
   * XEP-0445: a token presented before registering. Its validity (uses left, expiry) is checked
   * now and not again, but a use is spent only when an account is made with it.
   */
  const presentToken = async (req: PreauthRequest, token: string): Promise<Outcome> => {
    if (policy !== 'invite') throw new StanzaError('service-unavailable', 'registration on this server needs no invitation');
    admissible(req, 'set');
    const failed = failures.retryAfter(req.remoteAddress, Date.now());
    if (failed > 0) throw tooMany('failed registrations', failed);
    const at = new Date();
    if (token === '' || !usable(await api.storage.invites.get(api.host, token), at)) {
      failures.take(req.remoteAddress, Date.now());
      throw new StanzaError('item-not-found', 'the invitation token is not valid (unknown, expired or used up)');
    }
    granted.set(req.connection, { token, at });
    return {};
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
      const username = await createAccount(sub, granted.get(req.connection));
      api.log.info('account registered in-band', { username, address: req.remoteAddress, policy });
      api.emit('account/created', { host: api.host, username });
      return {};
    } catch (err) {
      release();
      if (err instanceof StanzaError && PROBING.has(err.condition)) failures.take(req.remoteAddress, Date.now());
      throw err;
    }
  };

  const createAccount = async (sub: Submission, grant: Grant | undefined): Promise<string> => {
    // §3.1: every field asked for must be provided, and an empty password is not-acceptable.
    if (!sub.username || !sub.password) throw new StanzaError('not-acceptable', 'a username and a password are required');
    // A token in the form wins; else the one the connection presented (XEP-0445), valid as of then.
    const fromForm = sub.token?.trim();
    const token = fromForm || grant?.token || '';
    const asOf = fromForm ? new Date() : grant?.at ?? new Date();
    if (policy === 'invite' && !token) throw new StanzaError('not-acceptable', 'an invitation token is required (data form field "token")');
    const username = newUsername(sub.username);
    checkPassword(sub.password, api.options.min_password_length);
    const { accounts, invites } = api.storage;
    const refused = (): StanzaError => new StanzaError('forbidden', 'the invitation token is not valid (unknown, expired or used up)');
    if (policy === 'invite') {
      // Checked before the costly key derivation; consumed atomically only once all else is fine.
      if (!usable(await invites.get(api.host, token), asOf)) throw refused();
    }
    if (await accounts.get(api.host, username)) throw new StanzaError('conflict', 'this username is taken');
    const credentials = await credentialsFor(sub.password, api.options.scram_iterations ?? api.server.scramIterations);
    if (policy === 'invite' && !(await invites.consume(api.host, token, asOf))) throw refused();
    // Two clients may race for one name; the store decides, the loser gets conflict (§3.1).
    if (!(await accounts.create(api.host, username, credentials))) {
      if (policy === 'invite') api.log.warn('invitation use spent on a username taken concurrently', { username });
      throw new StanzaError('conflict', 'this username is taken');
    }
    return username;
  };

  return (req) => {
    const { stanza, payload } = req;
    const type = stanza.attrs.type as string | undefined;
    const preauth = payload.is('preauth', NS.PARS);
    if (!preauth && !payload.is('query', NS.REGISTER)) return false;
    if (type !== 'get' && type !== 'set') return false;
    if (preauth && type !== 'set') return false;
    const to = stanza.attrs.to as string | undefined;
    if (to !== undefined && Jid.tryParse(to)?.full !== api.host) return false;
    if (stanza.attrs.id === undefined) {
      req.reply(errorIq(stanza, new StanzaError('bad-request', 'an IQ needs an id (RFC 6120 §8.2.3)')));
      return true;
    }
    const send = (el: Element): void => req.reply(el);
    // With a token presented first, the fields are those of open registration (XEP-0445).
    const asks = policy === 'invite' && !granted.has(req.connection) ? 'invite' : 'open';
    const work = preauth
      ? async (): Promise<Outcome> => presentToken(req, (payload.attrs.token as string | undefined)?.trim() ?? '')
      : type === 'get'
        ? async (): Promise<Outcome> => {
          admissible(req, 'get');
          return { payload: registrationQuery(api.host, asks, api.options.min_password_length) };
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
