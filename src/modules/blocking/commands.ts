// XEP-0191 §3.2-§3.5: the blocklist, block, unblock and unblock-all commands, the pushes to
// the user's resources that requested the blocklist, and presence to the JIDs concerned.
// Changes of one account run one after another, so limits and pushes see a consistent list.
import { randomBytes } from 'node:crypto';
import { xml, type Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import { withAttrs } from '../../xmpp/stanza.js';
import { Jid } from '../../xmpp/jid.js';
import type { ClientSession } from '../../core/module-api.js';
import { BlockSet, parseItems, presenceTargets, type ContactView } from './rules.js';
import type { BlockingContext } from './context.js';


const itemsOf = (jids: readonly string[]): Element[] => jids.map((jid) => xml('item', { jid }));

export function installCommands(ctx: BlockingContext): void {
  const { api, lists } = ctx;
  const { storage, host } = api;
  /** Sessions that requested the blocklist (§3.3: pushes go to those only). */
  const interested = new WeakSet<ClientSession>();
  const queues = new Map<string, Promise<unknown>>();
  const pushPrefix = randomBytes(4).toString('hex');
  let pushes = 0;

  const inSeries = <T>(username: string, fn: () => Promise<T>): Promise<T> => {
    const run = (queues.get(username) ?? Promise.resolve()).then(fn);
    const tail = run.then(() => undefined, () => undefined);
    queues.set(username, tail);
    void tail.then(() => {
      if (queues.get(username) === tail) queues.delete(username);
    });
    return run;
  };

  // The commands have no 'to' (the user's own account); nobody else may use them.
  const selfOnly = (from: Jid, to: Jid): void => {
    if (from.bare !== to.bare) throw new StanzaError('service-unavailable');
  };

  const push = (user: Jid, payload: () => Element): void => {
    for (const s of api.sessionsOf(user)) {
      if (!interested.has(s)) continue;
      s.send(xml('iq', { type: 'set', id: `block-push-${pushPrefix}-${++pushes}`, to: s.jid.full }, payload()));
    }
  };

  const contacts = async (username: string): Promise<ContactView[]> => {
    try {
      return (await storage.roster.get(host, username)).items;
    } catch (err) {
      api.log.warn('roster not readable; no presence sent for a blocklist change', { err });
      return [];
    }
  };

  /** §3.3: unavailable presence from each available resource to newly blocked contacts. */
  const announceBlock = async (user: Jid, added: Jid[], before: BlockSet): Promise<void> => {
    if (!api.sessionsOf(user).some((s) => s.available)) return;
    const targets = presenceTargets(added, await contacts(user.local), (t) => before.matches(t));
    for (const s of api.sessionsOf(user)) {
      if (!s.available) continue;
      for (const t of targets) ctx.send(xml('presence', { type: 'unavailable', from: s.jid.full, to: t.full }));
    }
  };

  /** §3.4: current presence of each available resource to contacts no longer blocked. */
  const announceUnblock = async (user: Jid, removed: Jid[], after: BlockSet): Promise<void> => {
    if (!api.sessionsOf(user).some((s) => s.available)) return;
    const targets = presenceTargets(removed, await contacts(user.local), (t) => after.matches(t));
    for (const s of api.sessionsOf(user)) {
      if (!s.available || !s.presence) continue;
      for (const t of targets) ctx.send(withAttrs(s.presence, { from: s.jid.full, to: t.full }));
    }
  };

  const announce = async (what: string, run: () => Promise<void>): Promise<void> => {
    // The command has succeeded once stored; a failure here only costs the presence update.
    try {
      await run();
    } catch (err) {
      api.log.error(`presence after ${what} failed`, { err });
    }
  };

  api.iq('get', NS.BLOCKING, 'blocklist', ({ from, to, origin }) => {
    selfOnly(from, to);
    if (origin) interested.add(origin);
    return inSeries(from.local, async () => {
      const set = await lists.get(from.local);
      return xml('blocklist', { xmlns: NS.BLOCKING }, ...itemsOf(set.list()));
    });
  }, { to: ['bare'] });

  api.iq('set', NS.BLOCKING, 'block', ({ payload, from, to }) => {
    selfOnly(from, to);
    const jids = parseItems(payload, true);
    const user = from.toBare();
    return inSeries(user.local, async () => {
      const set = await lists.get(user.local);
      const added = jids.filter((j) => !set.has(j.full));
      if (set.size + added.length > api.options.max_items) {
        throw new StanzaError('not-acceptable', `a blocklist holds at most ${api.options.max_items} items`);
      }
      if (added.length === 0) return;
      const before = new BlockSet(set.list());
      const names = added.map((j) => j.full);
      await storage.blocklist.add(host, user.local, names);
      lists.update(user.local, (s) => names.forEach((n) => s.add(n)));
      push(user, () => xml('block', { xmlns: NS.BLOCKING }, ...itemsOf(names)));
      await announce('block', () => announceBlock(user, added, before));
    });
  }, { to: ['bare'] });

  api.iq('set', NS.BLOCKING, 'unblock', ({ payload, from, to }) => {
    selfOnly(from, to);
    const jids = parseItems(payload, false);
    const user = from.toBare();
    return inSeries(user.local, async () => {
      const set = await lists.get(user.local);
      // §3.5: an empty <unblock/> unblocks every JID.
      const all = jids.length === 0;
      const removed = all ? set.list().flatMap((n) => Jid.tryParse(n) ?? []) : jids.filter((j) => set.has(j.full));
      if (removed.length === 0) return;
      const names = removed.map((j) => j.full);
      const after = new BlockSet(all ? [] : set.list());
      names.forEach((n) => after.delete(n));
      await storage.blocklist.remove(host, user.local, all ? undefined : names);
      lists.update(user.local, (s) => (all ? s.clear() : names.forEach((n) => s.delete(n))));
      push(user, () => xml('unblock', { xmlns: NS.BLOCKING }, ...(all ? [] : itemsOf(names))));
      await announce('unblock', () => announceUnblock(user, removed, after));
    });
  }, { to: ['bare'] });
}
