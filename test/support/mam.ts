// A MAM (XEP-0313) query from a test client: builds the query IQ and collects the result
// messages that arrive before the IQ answer. Also the message helpers the MAM suites share.
import xml, { type Element } from '@xmpp/xml';
import type { RawClient } from './raw-client.js';

export const MAM = 'urn:xmpp:mam:2';
export const RSM = 'http://jabber.org/protocol/rsm';
export const SID = 'urn:xmpp:sid:0';

export interface MamRequest {
  to?: string;
  queryid?: string;
  /** Form fields by name; a list gives several values. */
  fields?: Record<string, string | string[]>;
  formType?: string;
  max?: number;
  after?: string;
  /** '' for an empty <before/> (the last page). */
  before?: string;
  index?: number;
  flip?: boolean;
}

export interface MamAnswer {
  /** The IQ answer (result or error). */
  iq: Element;
  /** The result messages, in the order received. */
  results: Element[];
  /** Archive ids of the results, from <result id/>. */
  ids: string[];
  /** The forwarded messages. */
  messages: Element[];
  /** The <fin/> of a result, undefined for an error. */
  fin: Element | undefined;
  complete: boolean | undefined;
  first: string | undefined;
  last: string | undefined;
  count: number | undefined;
}

let seq = 0;

export function mamQueryIq(r: MamRequest): Element {
  const query = xml('query', r.queryid === undefined ? { xmlns: MAM } : { xmlns: MAM, queryid: r.queryid });
  if (r.fields !== undefined || r.formType !== undefined) {
    const x = xml('x', { xmlns: 'jabber:x:data', type: 'submit' });
    x.append(xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, r.formType ?? MAM)));
    for (const [name, value] of Object.entries(r.fields ?? {})) {
      const values = Array.isArray(value) ? value : [value];
      x.append(xml('field', { var: name }, ...values.map((v) => xml('value', {}, v))));
    }
    query.append(x);
  }
  if (r.max !== undefined || r.after !== undefined || r.before !== undefined || r.index !== undefined) {
    const set = xml('set', { xmlns: RSM });
    if (r.max !== undefined) set.append(xml('max', {}, String(r.max)));
    if (r.after !== undefined) set.append(xml('after', {}, r.after));
    if (r.before !== undefined) set.append(xml('before', {}, r.before));
    if (r.index !== undefined) set.append(xml('index', {}, String(r.index)));
    query.append(set);
  }
  if (r.flip) query.append(xml('flip-page'));
  const id = `mam${++seq}`;
  return xml('iq', r.to === undefined ? { type: 'set', id } : { type: 'set', id, to: r.to }, query);
}

/** Sends a query and collects its results until the answer; other stanzas are kept in `others`. */
export async function mamQuery(client: RawClient, r: MamRequest, others: Element[] = [], timeoutMs = 10_000): Promise<MamAnswer> {
  const iq = mamQueryIq(r);
  client.send(iq);
  const results: Element[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const el = await client.next(Math.max(1, deadline - Date.now()));
    if (!el) throw new Error('connection closed during a MAM query');
    if (el.name === 'iq' && el.attrs.id === iq.attrs.id) {
      const fin = el.attrs.type === 'result' ? el.getChild('fin', MAM) : undefined;
      const set = fin?.getChild('set', RSM);
      const count = set?.getChildText('count');
      return {
        iq: el,
        results,
        ids: results.map((m) => m.getChild('result', MAM)!.attrs.id as string),
        messages: results.map((m) => m.getChild('result', MAM)!.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('message')!),
        fin,
        complete: fin === undefined ? undefined : fin.attrs.complete === 'true',
        first: set?.getChildText('first') ?? undefined,
        last: set?.getChildText('last') ?? undefined,
        count: count === undefined || count === null ? undefined : Number(count),
      };
    }
    if (el.name === 'message' && el.getChild('result', MAM)) results.push(el);
    else others.push(el);
  }
}

/** Everything that arrives before the answer to a ping (each stream handles stanzas in order). */
export async function drain(c: RawClient): Promise<Element[]> {
  const seen: Element[] = [];
  const ping = xml('iq', { type: 'get', id: `drain${++seq}`, to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' }));
  c.send(ping);
  await c.expect((el) => (el.name === 'iq' && el.attrs.id === ping.attrs.id) || (seen.push(el), false));
  return seen;
}

/** A chat message with a body (or none) and extra payloads, with a fresh id. */
export function chat(to: string, body: string | undefined, ...extra: Element[]): Element {
  return xml('message', { to, type: 'chat', id: `c${++seq}` }, ...(body === undefined ? [] : [xml('body', {}, body)]), ...extra);
}

/** The stanza-ids (XEP-0359) a message carries. */
export const stanzaIds = (m: Element): Element[] => m.getChildren('stanza-id', SID);
