// The client side of SASL2 (XEP-0388) with Bind 2 (XEP-0386), inline stream resumption
// (XEP-0198) and FAST (XEP-0484) for tests, on top of RawClient. Written apart from the server
// code (it shares nothing with src/) so that the two check each other: SCRAM through
// ScramClient, the HT mechanisms (draft-schmaus-kitten-sasl-ht) with node:crypto here.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { RawClient, failureCondition } from './raw-client.js';
import { ScramClient } from './scram-client.js';

export const NS_SASL2 = 'urn:xmpp:sasl:2';
export const NS_BIND2 = 'urn:xmpp:bind:0';
export const NS_FAST = 'urn:xmpp:fast:0';
export const NS_SM = 'urn:xmpp:sm:3';

export type ScramName = 'SCRAM-SHA-1' | 'SCRAM-SHA-256' | 'SCRAM-SHA-1-PLUS' | 'SCRAM-SHA-256-PLUS';
export type HtName = 'HT-SHA-256-NONE' | 'HT-SHA-256-ENDP' | 'HT-SHA-256-EXPR';

/** What goes into <authenticate/> beside the mechanism and its initial response. */
export interface AuthenticateExtras {
  /** The user-agent id; null sends no <user-agent/>. A fresh UUID when absent. */
  userAgentId?: string | null;
  /** Adds <bind xmlns='urn:xmpp:bind:0'> with this tag (undefined: none) and these requests. */
  bind?: { tag?: string; requests?: Element[] };
  /** Anything else, e.g. <resume/>, <request-token/>, <fast/>. */
  children?: Element[];
}

export type Sasl2Outcome =
  | { readonly ok: true; readonly success: Element; readonly features: Element }
  | { readonly ok: false; readonly condition: string; readonly element: Element | undefined };

const channelBindingOf: Record<HtName, string | undefined> = {
  'HT-SHA-256-NONE': undefined, 'HT-SHA-256-ENDP': 'tls-server-end-point', 'HT-SHA-256-EXPR': 'tls-exporter',
};

export function authenticate(mechanism: string, initial: Buffer | undefined, extras: AuthenticateExtras = {}): Element {
  const el = xml('authenticate', { xmlns: NS_SASL2, mechanism });
  if (initial) el.append(xml('initial-response', {}, initial.toString('base64')));
  const id = extras.userAgentId === undefined ? randomUUID() : extras.userAgentId;
  if (id !== null) el.append(xml('user-agent', { id }, xml('software', {}, 'starling tests')));
  if (extras.bind) {
    const { tag, requests = [] } = extras.bind;
    el.append(xml('bind', { xmlns: NS_BIND2 }, ...(tag === undefined ? [] : [xml('tag', {}, tag)]), ...requests));
  }
  for (const c of extras.children ?? []) el.append(c);
  return el;
}

export const requestToken = (mechanism: string): Element => xml('request-token', { xmlns: NS_FAST, mechanism });
export const fastElement = (attrs: Record<string, string> = {}): Element => xml('fast', { xmlns: NS_FAST, ...attrs });

/** The SASL2 feature of a features element, if offered. */
export function authenticationOf(features: Element): Element | undefined {
  return features.getChild('authentication', NS_SASL2);
}

export function sasl2Mechanisms(features: Element): string[] {
  return (authenticationOf(features)?.getChildren('mechanism') ?? []).map((m) => m.getText());
}

export function fastMechanisms(features: Element): string[] {
  return (authenticationOf(features)?.getChild('inline')?.getChild('fast', NS_FAST)?.getChildren('mechanism') ?? []).map((m) => m.getText());
}

/**
 * What `features` holds after a <success/> that resumed a session: XEP-0198 §"Inline Stream
 * Resumption" says no stream features follow it, so none are read.
 */
export const NO_FEATURES: Element = xml('stream:features');

/** Waits for the end of an exchange: <success/> then <stream:features/>, or <failure/>. */
async function outcome(c: RawClient, first?: Element): Promise<Sasl2Outcome> {
  const el = first ?? await c.next();
  if (el?.name !== 'success' || el.attrs.xmlns !== NS_SASL2) return { ok: false, condition: failureCondition(el), element: el };
  if (el.getChild('resumed', NS_SM)) return { ok: true, success: el, features: NO_FEATURES };
  const features = await c.next();
  if (features?.name !== 'stream:features') throw new Error(`expected stream features right after <success/>, got ${features?.toString()}`);
  return { ok: true, success: el, features };
}

/** SASL2 with SCRAM; checks the server's signature in <additional-data/> on success. */
export async function sasl2Scram(
  c: RawClient, features: Element, username: string, password: string, extras: AuthenticateExtras = {},
  opts: { mechanism?: ScramName; authzid?: string; cbType?: string } = {},
): Promise<Sasl2Outcome> {
  const mech = opts.mechanism ?? 'SCRAM-SHA-256';
  const cbType = opts.cbType ?? 'tls-exporter';
  const scram = new ScramClient({
    hash: mech.startsWith('SCRAM-SHA-256') ? 'sha256' : 'sha1', username, password,
    ...(opts.authzid === undefined ? {} : { authzid: opts.authzid }),
    binding: mech.endsWith('-PLUS') ? { flag: 'p', type: cbType, data: c.bindingData(cbType) } : { flag: 'n' },
    // XEP-0474 over the SASL2 list: the same mechanisms as classic SASL's.
    expectOffer: { mechanisms: sasl2Mechanisms(features), channelBindings: c.channelBindingTypes(features) },
  });
  c.send(authenticate(mech, scram.first(), extras));
  const challenge = await c.next();
  if (challenge?.name !== 'challenge') return outcome(c, challenge);
  const final = await scram.final(Buffer.from(challenge.getText(), 'base64'));
  c.send(xml('response', { xmlns: NS_SASL2 }, final.toString('base64')));
  const result = await outcome(c);
  if (result.ok) scram.verifyServerFinal(Buffer.from(result.success.getChildText('additional-data') ?? '', 'base64'));
  return result;
}

/** The channel-binding data an HT mechanism covers, as the client sees the connection. */
function htBinding(c: RawClient, mechanism: HtName): Buffer {
  const type = channelBindingOf[mechanism];
  return type === undefined ? Buffer.alloc(0) : c.bindingData(type);
}

/** draft-schmaus-kitten-sasl-ht §3.1: authcid NUL HMAC(token, "Initiator" || cb-data). */
export function htInitial(c: RawClient, mechanism: HtName, username: string, token: string): Buffer {
  const mac = createHmac('sha256', Buffer.from(token, 'utf8')).update('Initiator').update(htBinding(c, mechanism)).digest();
  return Buffer.concat([Buffer.from(`${username}\0`, 'utf8'), mac]);
}

/**
 * A FAST login: <authenticate/> with an HT mechanism, the token's proof and <fast/>. On success
 * the server's proof in <additional-data/> is checked (draft §3.3).
 */
export async function sasl2Fast(
  c: RawClient, mechanism: HtName, username: string, token: string, extras: AuthenticateExtras = {}, fast: Record<string, string> = {},
): Promise<Sasl2Outcome> {
  c.send(authenticate(mechanism, htInitial(c, mechanism, username, token), { ...extras, children: [...extras.children ?? [], fastElement(fast)] }));
  const result = await outcome(c);
  if (result.ok) {
    const expected = createHmac('sha256', Buffer.from(token, 'utf8')).update('Responder').update(htBinding(c, mechanism)).digest();
    const got = Buffer.from(result.success.getChildText('additional-data') ?? '', 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new Error('HT: the server proof does not match');
  }
  return result;
}

/** Sends whatever and returns the outcome (for malformed requests). */
export async function sasl2Raw(c: RawClient, el: Element): Promise<Sasl2Outcome> {
  c.send(el);
  return outcome(c);
}

/**
 * A connection with TLS and the features offered then: STARTTLS on `port`, or direct TLS
 * (XEP-0368) on `tlsPort` when given, with a 'from' on the stream header when given.
 */
export async function secured(opts: { port: number; ca: string; tlsPort?: number; from?: string }): Promise<{ client: RawClient; features: Element }> {
  if (opts.tlsPort !== undefined) {
    const client = await RawClient.connect({ port: opts.tlsPort, ca: opts.ca, directTls: true });
    return { client, features: await client.open(undefined, opts.from === undefined ? '' : ` from='${opts.from}'`) };
  }
  const client = await RawClient.connect({ port: opts.port, ca: opts.ca });
  await client.open();
  return { client, features: await client.starttls() };
}

/** The token from a <success/>, if it carries one. */
export function tokenOf(success: Element): { token: string; expiry: string } | undefined {
  const t = success.getChild('token', NS_FAST);
  return t ? { token: t.attrs.token as string, expiry: t.attrs.expiry as string } : undefined;
}

/** The first child element's name: a SASL condition or an SM <failed/> condition. */
export const firstChild = (el: Element | undefined): string | undefined => el?.children.find((c): c is Element => typeof c !== 'string')?.name;
