// What goes into a user's archive (XEP-0313 §6.1.1, XEP-0334 §4, XEP-0441 §2.1) and the
// stanza-id rules (XEP-0359 §3, XEP-0313 §3.5). Pure: no I/O; the only mutation is the one
// archiving.ts asks for on the routed stanza.
import { hasChild, shallowCopy, someChild, xml, type Element } from '../../xmpp/xml.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { serialize } from '../../xmpp/serialize.js';
import type { ArchivePrefs } from '../../storage/types.js';

/**
 * Payloads that are a message's content even without a body: end-to-end encrypted messages
 * (OMEMO, OpenPGP), retractions, reactions and room invitations.
 */
const CONTENT: ReadonlyMap<string, string> = new Map([
  [NS.OMEMO_LEGACY, 'encrypted'],
  [NS.OMEMO, 'encrypted'],
  [NS.OPENPGP, 'openpgp'],
  [NS.PGP_LEGACY, 'x'],
  [NS.RETRACT, 'retract'],
  [NS.REACTIONS, 'reactions'],
  [NS.CONFERENCE, 'x'],
]);

function inStanzaNs(el: Element): boolean {
  const ns = el.getNS() as string | undefined;
  return !ns || ns === NS.CLIENT || ns === NS.SERVER;
}

const isContent = (c: Element): boolean => (inStanzaNs(c) ? c.getName() === 'body' : CONTENT.get(c.getNS() as string) === c.getName());

/**
 * Whether a message belongs in the archive of its sender or recipient (§6.1.1): normal and chat
 * messages with a body or another content payload. Never errors (XEP-0334 §5 ignores their hints)
 * and never groupchat, which a room archives (a personal archive does not hold it here). The
 * no-store and no-permanent-store hints keep a message out (XEP-0334 §4.1, §4.2); the store hint
 * brings in one that would not be archived otherwise (§4.4), e.g. a chat marker or a headline.
 * Chat states, receipts and markers alone are not archived.
 */
export function archivable(stanza: Element): boolean {
  const type = (stanza.attrs.type as string | undefined) ?? 'normal';
  if (type === 'error' || type === 'groupchat') return false;
  if (hasChild(stanza, 'no-store', NS.HINTS) || hasChild(stanza, 'no-permanent-store', NS.HINTS)) return false;
  if (hasChild(stanza, 'store', NS.HINTS)) return true;
  if (type === 'headline') return false;
  return someChild(stanza, isContent);
}

/** True for a XEP-0359 stanza-id that names `by` (a prepared bare JID) as its assigning entity. */
function stanzaIdBy(el: Element, by: string): boolean {
  if (el.getName() !== 'stanza-id' || el.getNS() !== NS.SID) return false;
  const attr = el.attrs.by as string | undefined;
  return attr !== undefined && Jid.tryParse(attr)?.full === by;
}

/**
 * XEP-0359 §3: an entity that assigns stanza ids deletes every stanza-id claiming to be its own.
 * This one mutates the routed stanza (see archiving.ts); returns whether anything was removed.
 */
export function removeForgedIds(stanza: Element, account: string): boolean {
  // Checked first without allocating: this runs twice for every routed message.
  if (!stanza.children.some((c) => typeof c !== 'string' && stanzaIdBy(c, account))) return false;
  const kept = stanza.children.filter((c) => typeof c === 'string' || !stanzaIdBy(c, account));
  if (kept.length === stanza.children.length) return false;
  stanza.children = kept;
  return true;
}

/** XEP-0313 §3.5: tells the recipient where and under which id the message is archived. */
export function addStanzaId(stanza: Element, id: string, account: string): void {
  stanza.append(xml('stanza-id', { xmlns: NS.SID, id, by: account }));
}

/**
 * The text archived for a message: the stanza as routed, in the client namespace (results are
 * forwarded to clients, XEP-0297), without stanza-ids claiming to be the account's. The stanza
 * itself is left untouched.
 */
export function archivedText(stanza: Element, account: string): string {
  const copy = shallowCopy(stanza, { xmlns: NS.CLIENT });
  copy.children = stanza.children.filter((c) => typeof c === 'string' || !stanzaIdBy(c, account));
  return serialize(copy);
}

/** Whether a JID is on a preference list (bare entries match every resource). */
function listed(list: readonly string[], contact: Jid): boolean {
  return list.includes(contact.bare) || (!contact.isBare && list.includes(contact.full));
}

/**
 * XEP-0441 §2.1: whether the account's preferences let a message with `contact` into its
 * archive. 'never' wins over 'always' for a JID on both lists. `inRoster` answers the 'roster'
 * default; the account's own JID counts as a roster contact (messages between its resources).
 */
export function prefsAllow(prefs: ArchivePrefs, contact: Jid, inRoster: boolean): boolean {
  if (listed(prefs.never, contact)) return false;
  if (listed(prefs.always, contact)) return true;
  if (prefs.default === 'roster') return inRoster;
  return prefs.default === 'always';
}
