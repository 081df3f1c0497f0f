// The IQs of an account's archive, each answered only to the account itself (XEP-0313 §8.1):
// the query form (§4.1.5), queries (§4), metadata (§5) and preferences (XEP-0441 §2.1).
// Sent to the server's JID, where some clients look for the archive (index.ts), they are
// about the sender's own archive.
import { randomUUID } from 'node:crypto';
import type { IqContext } from '../../core/module-api.js';
import { hasChild, xml, type Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import { parseStored } from '../../xmpp/stored.js';
import { rsmAnswer } from '../../xmpp/rsm.js';
import type { ArchivedMessage } from '../../storage/types.js';
import { ARCHIVE_PRIORITY } from './archiving.js';
import type { MamContext } from './context.js';
import { formatDateTime } from './dates.js';
import { defaultPrefs, prefsElement, readPrefs } from './prefs.js';
import { queryForm, readQuery, storageRequest } from './query.js';

/**
 * §8.1: only the account reads or configures its archive; anyone else gets forbidden. A request
 * to the server's JID is about the sender's archive, if the sender has one here.
 */
function ownArchive(req: IqContext, host: string): Jid {
  const archive = req.to.local === '' && req.from.domain === host ? req.from.toBare() : req.to.toBare();
  if (archive.local === '' || req.from.bare !== archive.bare) throw new StanzaError('forbidden', 'only the owner may access this archive');
  return archive;
}

/** §4.2: one result, the archived message forwarded (XEP-0297) with the time it was archived. */
function resultMessage(m: ArchivedMessage, queryId: string | undefined, req: IqContext): Element {
  const forwarded = xml('forwarded', { xmlns: NS.FORWARD }, xml('delay', { xmlns: NS.DELAY, stamp: formatDateTime(m.at.getTime()) }));
  // §3.2 lets a server leave the message out and keep its id and time; that is all an
  // unreadable copy can give.
  const stanza = parseStored(m.stanza);
  if (stanza) forwarded.append(stanza);
  const result = xml('result', queryId === undefined ? { xmlns: NS.MAM, id: m.id } : { xmlns: NS.MAM, queryid: queryId, id: m.id }, forwarded);
  // Like the IQ answer (RFC 6120 §10.3.3), a query sent without 'to' is answered without 'from'.
  const attrs: Record<string, string> = { to: req.from.full, id: randomUUID() };
  if (req.stanza.attrs.to !== undefined) attrs.from = req.to.bare;
  return xml('message', attrs, result);
}

export function installIq(ctx: MamContext): void {
  const { api } = ctx;
  const store = api.storage.archive;
  const maxPage = api.options.max_page;
  const onAccounts = { to: ['bare' as const, 'host' as const] };
  const own = (req: IqContext): Jid => ownArchive(req, api.host);

  /** Queries see every message archived before them. A failed write is logged by the writer. */
  const settle = (): Promise<void> => ctx.writer.flush().catch(() => undefined);

  api.iq('get', NS.MAM, 'query', (req) => {
    own(req);
    return queryForm();
  }, onAccounts);

  api.iq('set', NS.MAM, 'query', async (req) => {
    const account = own(req);
    const q = readQuery(req.payload, maxPage);
    const { filter, fromEnd, named } = storageRequest(q);
    // §4.3.1: the server caps the page, whatever the client asked for.
    const limit = Math.min(q.rsm.max ?? maxPage, maxPage);
    await settle();
    if (named.length > 0 && (await store.missing(api.host, account.local, named)).length > 0) {
      throw new StanzaError('item-not-found', 'no message with that id in the archive');
    }
    if (limit === 0) {
      // XEP-0059 §2.7: <max>0</max> asks for the number of matches only.
      const count = await store.count(api.host, account.local, filter);
      return xml('fin', { xmlns: NS.MAM, complete: String(count === 0) }, rsmAnswer({ count }));
    }
    const page = await store.query(api.host, account.local, { ...filter, limit, fromEnd });
    const send = (m: Element): void => {
      if (req.origin) req.origin.send(m);
      else void api.send(m);
    };
    // §4.3.4: a flipped page is sent newest first; its first and last stay the same.
    for (const m of q.flip ? [...page.messages].reverse() : page.messages) send(resultMessage(m, q.queryId, req));
    const first = page.messages[0];
    const last = page.messages[page.messages.length - 1];
    // §4.3.2: complete when the page was not cut short by the page size.
    return xml('fin', { xmlns: NS.MAM, complete: String(page.complete) }, rsmAnswer({ first: first?.id, last: last?.id }));
  }, onAccounts);

  /** §5: the oldest and newest message of an account's archive, with everything buffered in it. */
  const metadataOf = async (username: string): Promise<Element> => {
    await settle();
    const bounds = await store.bounds(api.host, username);
    const metadata = xml('metadata', { xmlns: NS.MAM });
    if (bounds) {
      const mark = (name: string, m: ArchivedMessage): Element => xml(name, { id: m.id, timestamp: formatDateTime(m.at.getTime()) });
      metadata.append(mark('start', bounds.first));
      metadata.append(mark('end', bounds.last));
    }
    return metadata;
  };

  api.iq('get', NS.MAM, 'metadata', (req) => metadataOf(own(req).local), onAccounts);

  // XEP-0386 §"Performing the bind": <bound/> describes the archive at the time of binding.
  api.onBind2((session) => metadataOf(session.jid.local));

  api.iq('get', NS.MAM, 'prefs', async (req) => {
    const account = own(req);
    const prefs = (await store.getPrefs(api.host, account.local)) ?? defaultPrefs(api.options.default_mode);
    return prefsElement(prefs);
  }, onAccounts);

  // XEP-0198 §4: a result the querying session never acknowledged answered that session's query
  // and no other; it is neither stored offline nor handed to another resource. (Results come
  // from the archive queried, the account's or, for a query sent to the server, the server's,
  // or without 'from'; anyone else's message carries the sender's address.)
  api.on('message/undelivered', ({ stanza, to }) => {
    const from = stanza.attrs.from as string | undefined;
    const ours = from === undefined || from === to.bare || from === api.host;
    return ours && hasChild(stanza, 'result', NS.MAM) ? true : undefined;
  }, ARCHIVE_PRIORITY);

  api.iq('set', NS.MAM, 'prefs', async (req) => {
    const account = own(req);
    const prefs = readPrefs(req.payload);
    await store.setPrefs(api.host, account.local, prefs);
    ctx.policies.forget(account.local);
    api.log.debug('archive preferences set', { account: account.bare, default: prefs.default });
    return prefsElement(prefs);
  }, onAccounts);
}
