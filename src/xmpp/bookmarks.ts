// Bookmarks in their two forms: XEP-0048's one <storage xmlns='storage:bookmarks'/> holding
// every conference (kept in private XML storage, XEP-0049, or in a PEP node, XEP-0411), and
// XEP-0402's one item per conference in the 'urn:xmpp:bookmarks:1' node, whose id is the room
// JID. Pure: conversions both ways and the difference between two sets of items (§5.2 of
// XEP-0402: a replacement list updates only the items that changed).
import type { PubsubNodeConfig } from '../storage/types.js';
import { NS } from './ns.js';
import { xml, type Element } from './xml.js';

/**
 * XEP-0402 §3.2: the bookmarks node is private (whitelist), persistent, keeps as many items as
 * allowed, and its items are fetched, not pushed. Both compatibility paths (private XML, the
 * legacy PEP node) write only into a node configured so.
 */
export const BOOKMARKS_NODE_CONFIG: PubsubNodeConfig = { access_model: 'whitelist', persist_items: true, max_items: 'max', send_last_published_item: 'never' };

/** Whether a node configuration keeps bookmarks as BOOKMARKS_NODE_CONFIG does. */
export function isPrivateBookmarks(config: PubsubNodeConfig): boolean {
  return config.access_model === 'whitelist' && config.max_items === 'max' && config.persist_items !== false;
}

export interface BookmarkItem {
  /** The room JID (the item id). */
  id: string;
  /** <conference xmlns='urn:xmpp:bookmarks:1'/>. */
  payload: Element;
}

const TRUE = new Set(['true', '1']);

/** Children of a legacy conference that XEP-0402 has no place for but <extensions/>. */
function extensionsOf(conference: Element): Element[] {
  return conference.getChildElements().filter((c) => c.getNS() !== NS.BOOKMARKS_LEGACY && c.getNS() !== NS.BOOKMARKS);
}

/**
 * The XEP-0402 items for a XEP-0048 <storage/>. Conferences without a JID are skipped (a
 * later one with the same JID wins). An item's <extensions/> in `current` are kept when the
 * legacy conference brings none, since XEP-0048 clients cannot carry them.
 */
export function legacyToItems(storage: Element, current: ReadonlyMap<string, Element> = new Map()): BookmarkItem[] {
  const out = new Map<string, BookmarkItem>();
  for (const c of storage.getChildren('conference', NS.BOOKMARKS_LEGACY)) {
    const jid = c.attrs.jid as string | undefined;
    if (!jid) continue;
    const attrs: Record<string, string> = { xmlns: NS.BOOKMARKS };
    if (c.attrs.name !== undefined) attrs.name = c.attrs.name as string;
    if (TRUE.has(c.attrs.autojoin as string)) attrs.autojoin = 'true';
    const conf = xml('conference', attrs);
    const nick = c.getChild('nick', NS.BOOKMARKS_LEGACY);
    if (nick) conf.append(xml('nick', {}, nick.getText()));
    const password = c.getChild('password', NS.BOOKMARKS_LEGACY);
    if (password) conf.append(xml('password', {}, password.getText()));
    const extra = extensionsOf(c);
    const kept = current.get(jid)?.getChild('extensions', NS.BOOKMARKS);
    if (extra.length > 0) conf.append(xml('extensions', {}, ...extra));
    else if (kept) conf.append(kept);
    out.delete(jid);
    out.set(jid, { id: jid, payload: conf });
  }
  return [...out.values()];
}

/** The XEP-0048 <conference/> for a XEP-0402 item; undefined when the payload is not a bookmark. */
function legacyConference(item: BookmarkItem): Element | undefined {
  const p = item.payload;
  if (p.name !== 'conference' || p.getNS() !== NS.BOOKMARKS) return undefined;
  const attrs: Record<string, string> = { jid: item.id };
  if (p.attrs.name !== undefined) attrs.name = p.attrs.name as string;
  attrs.autojoin = TRUE.has(p.attrs.autojoin as string) ? 'true' : 'false';
  const conf = xml('conference', attrs);
  const nick = p.getChild('nick');
  if (nick) conf.append(xml('nick', {}, nick.getText()));
  const password = p.getChild('password');
  if (password) conf.append(xml('password', {}, password.getText()));
  return conf;
}

/** A XEP-0048 <storage/> with the items' conferences, followed by `rest` (e.g. URL bookmarks). */
export function itemsToLegacy(items: readonly BookmarkItem[], rest: readonly Element[] = []): Element {
  const storage = xml('storage', { xmlns: NS.BOOKMARKS_LEGACY });
  for (const item of items) {
    const conf = legacyConference(item);
    if (conf) storage.append(conf);
  }
  for (const r of rest) storage.append(r);
  return storage;
}

/** What a legacy <storage/> holds besides conferences (URL bookmarks, extensions). */
export function legacyRest(storage: Element): Element[] {
  return storage.getChildElements().filter((c) => !(c.name === 'conference' && c.getNS() === NS.BOOKMARKS_LEGACY));
}

/** Items to publish (new or changed) and ids to retract to go from `current` to `next`. */
export function bookmarkChanges(current: ReadonlyMap<string, Element>, next: readonly BookmarkItem[]): { publish: BookmarkItem[]; retract: string[] } {
  const ids = new Set(next.map((i) => i.id));
  const publish = next.filter((i) => current.get(i.id)?.toString() !== i.payload.toString());
  const retract = [...current.keys()].filter((id) => !ids.has(id));
  return { publish, retract };
}
