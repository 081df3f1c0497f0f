// RFC 6121 §2: roster get (§2.1.3, §2.2), set (§2.1.5, §2.3, §2.4) and remove (§2.5), with
// roster versioning (XEP-0237, RFC 6121 §2.6).
import { StanzaError } from '../../xmpp/errors.js';
import type { Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import type { IqContext } from '../../core/module-api.js';
import type { RosterItem } from '../../storage/types.js';
import type { RosterContext, Session } from './context.js';
import { itemElement, NS_ROSTER, parseRosterSet, queryElement, removedElement, sortGroups } from './items.js';
import { cancelBothWays } from './outbound.js';
import { formatVer, parseVer } from './version.js';

/**
 * Only the account's own resources manage its roster. §2.3.3 names forbidden for a roster set
 * from anyone else; a roster get is refused the same way. The answer does not depend on whether
 * the account exists, so it reveals nothing.
 */
function ownSession(ctx: IqContext): Session {
  if (ctx.from.bare !== ctx.to.bare || !ctx.origin) throw new StanzaError('forbidden');
  return ctx.origin;
}

async function rosterGet(rc: RosterContext, ctx: IqContext): Promise<Element | undefined> {
  const session = ownSession(ctx);
  const { api } = rc;
  const user = ctx.to;
  // §2.2: requesting the roster makes the resource "interested", whatever comes next.
  rc.pushes.markInterested(session);
  const epoch = await rc.epochs.get(user.local);
  const ver = ctx.payload.attrs.ver as string | undefined;
  const since = ver === undefined ? undefined : parseVer(ver, epoch);
  if (since !== undefined) {
    const changes = await api.storage.roster.changesSince(api.host, user.local, since);
    if (changes) {
      // XEP-0237 §2.4: an empty result, then the changes as pushes. The IQ dispatcher sends the
      // result when this handler settles; the pushes wait for the next turn of the event loop
      // so that they follow it on the wire.
      if (changes.changed.length + changes.removed.length > 0) {
        setImmediate(() => rc.pushes.interim(session, epoch, changes));
      }
      return undefined;
    }
  }
  // No version, an empty one (bootstrap), or one the store cannot answer for: everything.
  const roster = await api.storage.roster.get(api.host, user.local);
  return queryElement(formatVer(epoch, roster.version), roster.items.map(itemElement));
}

async function addOrUpdate(rc: RosterContext, user: Jid, session: Session, jid: Jid, name: string | undefined, groups: string[]): Promise<void> {
  const { api } = rc;
  const existing = await api.storage.roster.getItem(api.host, user.local, jid.bare);
  if (!existing && (await api.storage.roster.count(api.host, user.local)) >= api.options.max_items) {
    throw new StanzaError('not-allowed', `a roster holds at most ${api.options.max_items} items`);
  }
  // §2.4: the set replaces name and groups; the subscription state stays the server's.
  const item: RosterItem = {
    jid: jid.bare,
    name,
    subscription: existing?.subscription ?? 'none',
    ask: existing?.ask ?? false,
    approved: existing?.approved ?? false,
    groups: sortGroups(groups),
  };
  const version = await api.storage.roster.setItem(api.host, user.local, item);
  await rc.pushes.push(user, version, [itemElement(item)], session);
}

/** Removes the item under the user's lock; resolves with the cancellations to run after it. */
async function remove(rc: RosterContext, user: Jid, session: Session, jid: Jid): Promise<() => Promise<void>> {
  const { api } = rc;
  const item = await api.storage.roster.getItem(api.host, user.local, jid.bare);
  // §2.5.3: removing what is not there.
  if (!item) throw new StanzaError('item-not-found');
  const version = await api.storage.roster.removeItem(api.host, user.local, jid.bare);
  const pendingIn = await api.storage.roster.removePendingIn(api.host, user.local, jid.bare);
  if (version !== undefined) await rc.pushes.push(user, version, [removedElement(jid.bare)], session);
  // §2.5.2: the subscriptions go with the item, both ways.
  return () => cancelBothWays(rc, user, jid, item, pendingIn);
}

async function rosterSet(rc: RosterContext, ctx: IqContext): Promise<undefined> {
  const session = ownSession(ctx);
  const user = ctx.to;
  const req = parseRosterSet(ctx.payload, user);
  const after = await rc.lock.run(user.bare, async (): Promise<(() => Promise<void>) | undefined> => {
    if (req.remove) return remove(rc, user, session, req.jid);
    await addOrUpdate(rc, user, session, req.jid, req.name, req.groups);
    return undefined;
  });
  if (after) await after();
  return undefined;
}

export function installRosterIq(rc: RosterContext): void {
  // Roster IQs carry no 'to' (or the user's bare JID): they are for the account (§2.1.3).
  rc.api.iq('get', NS_ROSTER, 'query', (ctx) => rosterGet(rc, ctx), { to: ['bare'] });
  rc.api.iq('set', NS_ROSTER, 'query', (ctx) => rosterSet(rc, ctx), { to: ['bare'] });
}
