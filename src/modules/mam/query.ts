// XEP-0313 §4: reading a query (its data form, RSM set and flip-page) and turning it into a
// storage query. Every bound becomes an exclusive id bound (ids are time-ordered, see ids.ts),
// so a page is one index range scan. Pure.
import type { Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { Jid } from '../../xmpp/jid.js';
import { StanzaError } from '../../xmpp/errors.js';
import { buildForm, findForm, readForm, type DataForm } from '../../xmpp/dataform.js';
import { readRsm, type RsmRequest } from '../../xmpp/rsm.js';
import { xml } from '../../xmpp/xml.js';
import type { ArchiveFilter } from '../../storage/types.js';
import { parseDateTime } from './dates.js';
import { timeBound } from './ids.js';

export interface MamQuery {
  queryId: string | undefined;
  with: Jid | undefined;
  /** Milliseconds, possibly with a fraction. */
  start: number | undefined;
  end: number | undefined;
  afterId: string | undefined;
  beforeId: string | undefined;
  ids: string[] | undefined;
  rsm: RsmRequest;
  /** §4.3.4: send the page newest first. */
  flip: boolean;
}

/** The fields of the query form (§4.1, §4.1.5); 'ids', 'before-id' and 'after-id' are #extended. */
const FIELDS = ['with', 'start', 'end', 'before-id', 'after-id', 'ids'] as const;

/** The form answered to a form request (§4.1.5); no field is required (§4.1). */
export function queryForm(): Element {
  const form = buildForm('form', NS.MAM, [
    { var: 'with', type: 'jid-single', values: [] },
    { var: 'start', type: 'text-single', values: [] },
    { var: 'end', type: 'text-single', values: [] },
    { var: 'before-id', type: 'text-single', values: [] },
    { var: 'after-id', type: 'text-single', values: [] },
    { var: 'ids', type: 'list-multi', values: [] },
  ]);
  // §4.1.5: the list of ids is open, said by an XEP-0122 <validate/> instead of options.
  const ids = form.getChildren('field').find((f) => f.attrs.var === 'ids');
  ids?.append(xml('validate', { xmlns: NS.XDATA_VALIDATE, datatype: 'xs:string' }, xml('open')));
  return xml('query', { xmlns: NS.MAM }, form);
}

function single(form: DataForm, name: string): string | undefined {
  const values = form.fields.get(name)?.values ?? [];
  if (values.length > 1) throw new StanzaError('bad-request', `the field '${name}' takes one value`);
  const v = values[0]?.trim();
  return v === '' ? undefined : v;
}

function time(form: DataForm, name: 'start' | 'end'): number | undefined {
  const text = single(form, name);
  if (text === undefined) return undefined;
  const ms = parseDateTime(text);
  if (ms === undefined) throw new StanzaError('bad-request', `'${name}' must be an XEP-0082 DateTime`);
  return ms;
}

function readFilters(x: Element | undefined): Pick<MamQuery, 'with' | 'start' | 'end' | 'afterId' | 'beforeId' | 'ids'> {
  const none = { with: undefined, start: undefined, end: undefined, afterId: undefined, beforeId: undefined, ids: undefined };
  if (!x) return none;
  const form = readForm(x);
  if (form.type !== 'submit') throw new StanzaError('bad-request', 'the query form must be of type submit');
  if (form.formType !== undefined && form.formType !== NS.MAM) throw new StanzaError('bad-request', `FORM_TYPE must be ${NS.MAM}`);
  // §4.1.5: a field the server does not know is answered with feature-not-implemented.
  for (const name of form.fields.keys()) {
    if (!(FIELDS as readonly string[]).includes(name)) throw new StanzaError('feature-not-implemented', `unknown field '${name}'`);
  }
  const withText = single(form, 'with');
  const withJid = withText === undefined ? undefined : Jid.tryParse(withText);
  if (withText !== undefined && !withJid) throw new StanzaError('bad-request', "'with' must be a JID");
  const ids = form.fields.get('ids')?.values.map((v) => v.trim()).filter((v) => v !== '');
  return {
    with: withJid,
    start: time(form, 'start'),
    end: time(form, 'end'),
    afterId: single(form, 'after-id'),
    beforeId: single(form, 'before-id'),
    ids: ids && ids.length > 0 ? ids : undefined,
  };
}

/** Reads a query IQ's <query/>; throws the stanza error the XEP asks for a bad one. */
export function readQuery(query: Element, maxIds: number): MamQuery {
  // §6.1.3 keeps 'node' for pubsub archives (XEP-0442), which an account's archive is not.
  if (query.attrs.node !== undefined) throw new StanzaError('feature-not-implemented', 'no pubsub archive here');
  const rsm = readRsm(query) ?? {};
  // XEP-0059 §2.6 allows refusing pages by index where it would be costly; here it would need
  // an OFFSET scan.
  if (rsm.index !== undefined) throw new StanzaError('feature-not-implemented', 'paging by index is not supported; use after or before');
  const filters = readFilters(findForm(query));
  if (filters.ids && filters.ids.length > maxIds) throw new StanzaError('policy-violation', `at most ${maxIds} ids per query`);
  const queryId = query.attrs.queryid as string | undefined;
  return { queryId, ...filters, rsm, flip: query.getChild('flip-page', NS.MAM) !== undefined };
}

export interface StorageRequest {
  filter: ArchiveFilter;
  /** Paging backwards (RSM <before/>, §4.3.3). */
  fromEnd: boolean;
  /** Ids the client named: one missing from the archive is item-not-found (§4.1.3, §4.3.2). */
  named: string[];
}

const defined = (values: (string | undefined)[]): string[] => values.filter((v): v is string => v !== undefined);
const greatest = (values: string[]): string | undefined => values.reduce<string | undefined>((a, b) => (a === undefined || b > a ? b : a), undefined);
const least = (values: string[]): string | undefined => values.reduce<string | undefined>((a, b) => (a === undefined || b < a ? b : a), undefined);

/** The storage request for a query: the tightest of its bounds, the JID filter, the ids. */
export function storageRequest(q: MamQuery): StorageRequest {
  const before = q.rsm.before === '' ? undefined : q.rsm.before;
  const lower = defined([q.afterId, q.rsm.after, q.start === undefined ? undefined : timeBound(Math.ceil(q.start))]);
  const upper = defined([q.beforeId, before, q.end === undefined ? undefined : timeBound(Math.floor(q.end) + 1)]);
  const filter: ArchiveFilter = { after: greatest(lower), before: least(upper), ids: q.ids };
  // §4.1.1: a bare JID matches every resource of it; a full JID only itself.
  if (q.with) {
    filter.with = q.with.bare;
    if (!q.with.isBare) filter.withResource = q.with.resource;
  }
  return { filter, fromEnd: q.rsm.before !== undefined, named: defined([q.afterId, q.beforeId, q.rsm.after, before, ...(q.ids ?? [])]) };
}
