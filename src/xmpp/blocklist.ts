// XEP-0191 §6 matching, shared by the modules that must honour a user's blocklist (the order of
// XEP-0016 §2.1): an item user@domain/resource matches only that JID; user@domain any of its
// resources; domain/resource only that JID; domain the domain itself and every JID at it. A JID
// is therefore blocked when its full form, its bare form or its domain is an item. Pure.

/** Whether a blocklist (prepared JIDs) covers `jid`. */
export function blocks(items: ReadonlySet<string>, jid: { readonly full: string; readonly bare: string; readonly domain: string }): boolean {
  if (items.size === 0) return false;
  return items.has(jid.full) || items.has(jid.bare) || items.has(jid.domain);
}
