// XEP-0441 §2.1: the <prefs/> element, read from a set and written in answers. Pure.
import { xml, type Element } from '../../xmpp/xml.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { ArchivePrefs } from '../../storage/types.js';

export type DefaultMode = ArchivePrefs['default'];
export const DEFAULT_MODES: readonly DefaultMode[] = ['always', 'never', 'roster'];

/** Most JIDs one list may hold. */
export const MAX_LISTED = 1000;

export function defaultPrefs(mode: DefaultMode): ArchivePrefs {
  return { default: mode, always: [], never: [] };
}

function readList(prefs: Element, name: 'always' | 'never'): string[] {
  const list = prefs.getChild(name, NS.MAM);
  if (!list) return [];
  const out = new Set<string>();
  for (const j of list.getChildren('jid', NS.MAM)) {
    const jid = Jid.tryParse(j.getText().trim());
    if (!jid) throw new StanzaError('bad-request', `<${name}/> holds an invalid JID`);
    out.add(jid.full);
  }
  if (out.size > MAX_LISTED) throw new StanzaError('policy-violation', `at most ${MAX_LISTED} JIDs per list`);
  return [...out].sort();
}

/** The preferences a client sets (§2.1): a default and the two lists (absent lists are empty). */
export function readPrefs(prefs: Element): ArchivePrefs {
  const mode = prefs.attrs.default as string | undefined;
  if (!DEFAULT_MODES.includes(mode as DefaultMode)) {
    throw new StanzaError('bad-request', "'default' must be always, never or roster");
  }
  return { default: mode as DefaultMode, always: readList(prefs, 'always'), never: readList(prefs, 'never') };
}

/** The answer to a get or set (§2.1): both lists are present, even empty. */
export function prefsElement(p: ArchivePrefs): Element {
  const list = (name: string, jids: readonly string[]): Element => xml(name, {}, ...jids.map((j) => xml('jid', {}, j)));
  return xml('prefs', { xmlns: NS.MAM, default: p.default }, list('always', p.always), list('never', p.never));
}
