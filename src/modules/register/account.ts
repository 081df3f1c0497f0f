// XEP-0077 for a logged-in account: what is on file (§3.1, <registered/>), password change
// (§3.3) and cancellation of the registration (§3.2). These work whatever the registration
// policy is: an account may always change its password or leave.
import type { Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError, StreamError } from '../../xmpp/errors.js';
import { Jid } from '../../xmpp/jid.js';
import { iqPayload } from '../../xmpp/stanza.js';
import { prepareUsername } from '../../xmpp/sasl/credentials.js';
import type { IqContext, ModuleApi } from '../../core/module-api.js';
import type { RegisterOptions } from './options.js';
import { readSubmission, registeredQuery, type Submission } from './form.js';
import { checkPassword, credentialsFor } from './rules.js';
import { answer, type Outcome } from './reply.js';

type Request = Omit<IqContext, 'payload'>;
type Session = NonNullable<IqContext['origin']>;

/**
 * The username of the account a request speaks for: a session of this host asking the host
 * itself, or its own bare JID (no 'to' at all is the own bare JID, RFC 6120 §10.3.3). Anything
 * else is not ours to answer.
 */
function ownAccount(host: string, req: Request): string | undefined {
  const { from, to, origin } = req;
  if (!origin || from.domain !== host || from.local === '') return undefined;
  if (to.local !== '' && to.bare !== from.bare) return undefined;
  return from.local;
}

/** Whether a submitted username (a localpart, or a bare JID as in the §3.3 form) names `user`. */
function namesAccount(raw: string, user: string, host: string): boolean {
  const text = raw.trim();
  if (!text.includes('@')) return prepareUsername(text) === user;
  const jid = Jid.tryParse(text);
  return jid !== undefined && jid.isBare && jid.local === user && jid.domain === host;
}

export function installAccountHandlers(api: ModuleApi<RegisterOptions>): void {
  const { storage, log } = api;

  const changePassword = async (session: Session, user: string, sub: Submission): Promise<Outcome> => {
    // §3.3 error table: not-authorized when the channel is not safe enough for a password.
    if (!session.secure) throw new StanzaError('not-authorized', 'change passwords over an encrypted connection only', 'modify');
    // §3.3: an empty password MUST NOT become the password; the request is incomplete.
    if (!sub.password) throw new StanzaError('bad-request', 'the new password is missing');
    if (sub.username !== undefined && !namesAccount(sub.username, user, api.host)) {
      throw new StanzaError('forbidden', 'you can only change the password of your own account');
    }
    checkPassword(sub.password, api.options.min_password_length);
    const credentials = await credentialsFor(sub.password, api.options.scram_iterations ?? api.server.scramIterations);
    // Storage also revokes the account's FAST tokens: no client keeps access granted before.
    if (!(await storage.accounts.setCredentials(api.host, user, credentials))) throw new StanzaError('registration-required');
    // Before anything else runs: the server, noticing the change, ends the sessions that logged
    // in with other credentials, and this one now holds these.
    session.credentialsChanged(credentials);
    log.info('password changed in-band', { username: user, session: session.id });
    return {
      // The account's other sessions end with <reset/> (RFC 6120 §4.9.3.16: the security context
      // of the stream is void, authenticate anew), so a lost device logged in with the old
      // password loses its access; the session that made the change goes on.
      after: () => {
        for (const s of api.sessionsOf(session.jid.toBare())) {
          if (s !== session) s.close(new StreamError('reset', 'the password has been changed'));
        }
      },
    };
  };

  const cancel = async (session: Session, user: string): Promise<Outcome> => {
    // §3.2: the account's presence subscriptions are cancelled first, while its roster is there.
    await api.fire('account/deleting', { host: api.host, username: user });
    if (!(await storage.accounts.delete(api.host, user))) throw new StanzaError('registration-required');
    log.info('account deleted in-band', { username: user, session: session.id });
    api.emit('account/deleted', { host: api.host, username: user });
    return {
      // §3.2: after the result, the server SHOULD end every session of the account with a
      // <not-authorized/> stream error.
      after: () => {
        for (const s of [session, ...api.sessionsOf(session.jid.toBare()).filter((o) => o !== session)]) {
          s.close(new StreamError('not-authorized', 'the account has been deleted'));
        }
      },
    };
  };

  api.addFeature(NS.REGISTER);

  api.iq('get', NS.REGISTER, 'query', (req) => {
    const user = ownAccount(api.host, req);
    return user === undefined ? false : registeredQuery(user);
  }, { to: ['host', 'bare'] });

  // Sets are taken from the stanza events, ahead of the IQ dispatcher, so that errors can be
  // answered without echoing the submitted password (see reply.ts).
  const onSet = (ev: Request): boolean | Promise<boolean> => {
    if (ev.stanza.attrs.type !== 'set') return false;
    const payload = iqPayload(ev.stanza);
    if (!payload || !payload.is('query', NS.REGISTER)) return false;
    const user = ownAccount(api.host, ev);
    const session = ev.origin;
    if (user === undefined || !session) return false;
    const send = (el: Element): void => session.send(el);
    return answer(ev.stanza, send, log, async () => {
      const sub = readSubmission(payload);
      return sub.remove ? cancel(session, user) : changePassword(session, user, sub);
    }).then(() => true);
  };
  api.on('iq/host', onSet);
  api.on('iq/bare', onSet);
}
