// Completing a SASL2 login (XEP-0388 §"Success"): FAST token bookkeeping (XEP-0484), then an
// inline stream resumption (XEP-0198) or else a Bind 2 request (XEP-0386), all answered in one
// <success/> that names the identity, followed at once by the stream features; no restart.
import { SaslFailure } from '../../../xmpp/errors.js';
import { Jid } from '../../../xmpp/jid.js';
import { NS } from '../../../xmpp/ns.js';
import { xml, type Element } from '../../../xmpp/xml.js';
import type { SaslMechanism } from '../../../xmpp/sasl/index.js';
import type { SaslSuccess } from '../sasl-negotiation.js';
import type { C2sStream } from '../stream.js';
import { resumeOn } from '../sm/negotiation.js';
import { checkBind2Room, commitBind2, prepareBind2, type PreparedBind } from './bind2.js';
import { afterFastLogin, fastKey, type FastLogin } from './fast.js';
import type { AuthenticateRequest } from './request.js';

/**
 * XEP-0388 §"Initiation": a non-empty authorization identity must match the stream's 'from'
 * when there is one. The mechanism has already checked that it names the account.
 */
function checkAuthzid(from: string | undefined, authzid: string | undefined): void {
  if (!authzid || from === undefined) return;
  if (Jid.tryParse(from)?.bare !== Jid.tryParse(authzid)?.bare) {
    throw new SaslFailure('invalid-authzid', "the authorization identity does not match the stream's from");
  }
}

/** FAST's part, before anything else changes: a storage failure fails the login. */
async function fastToken(stream: C2sStream, request: AuthenticateRequest, username: string, login: FastLogin | undefined): Promise<Element | undefined> {
  const { ctx } = stream;
  if (!ctx.config.fast.enabled || (!request.requestToken && !login?.used)) return undefined;
  try {
    return await afterFastLogin(ctx.storage.fastTokens, fastKey(ctx.fakeSaltSecret), { host: stream.host!.name, username }, {
      clientId: request.clientId, invalidate: request.fast?.invalidate ?? false, requestToken: request.requestToken,
    }, login?.used, ctx.config.fast.token_lifetime, new Date());
  } catch (err) {
    stream.log.error('FAST token storage failed', { stream: stream.id, err });
    throw new SaslFailure('temporary-auth-failure');
  }
}

export async function completeLogin(
  stream: C2sStream, request: AuthenticateRequest, mech: SaslMechanism, result: SaslSuccess, login: FastLogin | undefined,
): Promise<void> {
  checkAuthzid(stream.declaredFrom, mech.authzid);
  // What can still fail is checked before anything takes effect (the FAST token's bookkeeping,
  // the authenticated stream): XEP-0388 §"Failure" leaves a failed request without effect. With
  // a resumption asked for, the bind is checked only if the resumption fails (below).
  if (request.bind && !request.resume) checkBind2Room(stream, Jid.of(result.username, stream.host!.name), request.clientId);
  const token = await fastToken(stream, request, result.username, login);
  if (stream.ended) return;
  stream.authenticated(result.username, false);
  const inline: Element[] = [];
  // XEP-0386 §"Performing the bind": a resumption first; if it works, the bind is ignored.
  const resumption = request.resume ? resumeOn(stream, request.resume) : undefined;
  if (resumption) inline.push(resumption.answer);
  let bind: PreparedBind | undefined;
  if (!stream.session && request.bind) {
    bind = await prepareBind2(stream, request.bind, request.clientId);
    if (stream.ended) return bind.session.end('closed before binding');
    stream.session = bind.session;
    inline.push(bind.bound);
  }
  if (token) inline.push(token);
  const identity = stream.session?.jid.full ?? Jid.of(result.username, stream.host!.name).bare;
  const success = xml('success', { xmlns: NS.SASL2 });
  if (result.additionalData?.length) success.append(xml('additional-data', {}, result.additionalData.toString('base64')));
  success.append(xml('authorization-identifier', {}, identity), ...inline);
  stream.write(success.toString());
  // XEP-0388 §"Success": stream features follow, except after a resumption (XEP-0198 §"Inline
  // Stream Resumption": the stream is re-established at once and they MUST NOT be sent).
  if (!resumption?.resumed) stream.sendFeatures();
  if (bind) commitBind2(stream, bind.session);
  resumption?.resumed?.();
}
