// Reading a SASL2 <authenticate/> (XEP-0388 §"Initiation") with what it asks for beside the
// login: a user agent, a Bind 2 request (XEP-0386), an inline stream resumption (XEP-0198), FAST
// token use or request (XEP-0484). Everything is checked before the exchange starts, so a
// malformed request fails at once and nothing it asked for is done. Pure.
import { SaslFailure } from '../../../xmpp/errors.js';
import { NS } from '../../../xmpp/ns.js';
import type { Element } from '../../../xmpp/xml.js';
import { decodeBase64 } from '../sasl-negotiation.js';

/** XEP-0388's schema type for the user-agent id (a UUID; version 4 by the text, any by the schema). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLIENT_ID = /^[^\s\p{Cc}]{1,64}$/u;
const BOOLEAN: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };

export interface AuthenticateRequest {
  readonly mechanism: string;
  /** The initial response: absent, its bytes, or null when it is not valid base64. */
  readonly initial: Buffer | null | undefined;
  /** The client installation's stable id, lower-cased. */
  readonly clientId: string | undefined;
  /** XEP-0386 <bind/>. */
  readonly bind: Element | undefined;
  /** XEP-0198 <resume/>, tried before the bind. */
  readonly resume: Element | undefined;
  /** XEP-0484 <fast/>: the client logs in with a token; `invalidate` revokes it. */
  readonly fast: { readonly invalidate: boolean } | undefined;
  /** XEP-0484 <request-token/>: the mechanism the new token is for. */
  readonly requestToken: string | undefined;
}

export interface RequestRules {
  /** FAST mechanisms offered on this stream; empty when FAST is off. */
  readonly fastMechanisms: readonly string[];
}

/** The one child `name` in `ns`; a SaslFailure when there are several. */
function single(el: Element, name: string, ns: string): Element | undefined {
  const found = el.getChildren(name, ns);
  if (found.length > 1) throw new SaslFailure('malformed-request', `more than one <${name}/>`);
  return found[0];
}

/** Reads an <authenticate/>; throws the SaslFailure a malformed one earns. */
export function readAuthenticate(el: Element, rules: RequestRules): AuthenticateRequest {
  const mechanism = el.attrs.mechanism as string | undefined;
  if (!mechanism) throw new SaslFailure('malformed-request', 'the mechanism attribute is missing');
  const response = single(el, 'initial-response', NS.SASL2);
  const clientId = userAgentId(single(el, 'user-agent', NS.SASL2));
  const fast = single(el, 'fast', NS.FAST);
  const request = single(el, 'request-token', NS.FAST);
  return {
    mechanism,
    // XEP-0388 §"SASL Data Encoding": no whitespace should be there; tolerate line breaks.
    initial: response === undefined ? undefined : decodeBase64(response.getText().replace(/\s+/g, '')) ?? null,
    clientId,
    bind: single(el, 'bind', NS.BIND2),
    resume: single(el, 'resume', NS.SM),
    fast: fast === undefined ? undefined : { invalidate: flag(fast.attrs.invalidate, 'invalidate') },
    requestToken: request === undefined || rules.fastMechanisms.length === 0 ? undefined : tokenMechanism(request, rules, clientId),
  };
}

/**
 * XEP-0388 asks for a UUID v4; any other stable identifier is taken as it is, since refusing
 * the login would only lock a client out. It must fit the store, without spaces or controls.
 */
function userAgentId(agent: Element | undefined): string | undefined {
  const id = agent?.attrs.id as string | undefined;
  if (id === undefined) return undefined;
  if (UUID.test(id)) return id.toLowerCase();
  if (!CLIENT_ID.test(id)) throw new SaslFailure('malformed-request', 'the user-agent id must be 1-64 characters without spaces');
  return id;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  const b = typeof value === 'string' ? BOOLEAN[value] : undefined;
  if (b === undefined) throw new SaslFailure('malformed-request', `${name} must be true or false`);
  return b;
}

/** XEP-0484: the mechanism must be one offered; a token is tied to the client's user-agent id. */
function tokenMechanism(request: Element, rules: RequestRules, clientId: string | undefined): string {
  const mechanism = request.attrs.mechanism as string | undefined;
  if (!mechanism || !rules.fastMechanisms.includes(mechanism)) throw new SaslFailure('invalid-mechanism', 'not a FAST mechanism offered here');
  if (clientId === undefined) throw new SaslFailure('malformed-request', 'a FAST token needs a user-agent id');
  return mechanism;
}
