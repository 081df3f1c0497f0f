// XEP-0160: Best Practices for Handling Offline Messages. A message for a local account that
// has no available resource of non-negative priority is stored, stamped with a delay (XEP-0203)
// and a stanza id (XEP-0359), and handed to the first resource that sends non-negative available
// presence. What is stored follows rules.ts; everything else falls through to core delivery,
// which applies RFC 6121 §8.5 (service-unavailable for normal and chat, silence for the rest).
// Messages a stream-managed session never acknowledged (XEP-0198 §4) are stored the same way,
// or handed to another resource of the account.
import { randomUUID } from 'node:crypto';
import { defineModule, z, type ClientSession } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import { Jid } from '../../xmpp/jid.js';
import { blocks } from '../../xmpp/blocklist.js';
import { NS } from '../../xmpp/ns.js';
import { serialize } from '../../xmpp/serialize.js';
import type { Element } from '../../xmpp/xml.js';
import { parseStored } from '../../xmpp/stored.js';
import { KeyedQueue } from '../../core/module-api.js';
import { decide, type Addressed } from './rules.js';
import { messageType } from '../../xmpp/stanza.js';
import { archiveIdOf, stampForStorage, withDelay } from './stamp.js';

/**
 * Above core delivery (-1000), which would bounce the message, and below the default 0 of
 * modules that must see a message first (blocking, archiving).
 */
export const OFFLINE_PRIORITY = -500;

const options = z.strictObject({
  /** Messages kept per account; when full, new ones are bounced (XEP-0160 §2). 0 stores none. */
  max_messages: z.number().int().min(0).max(100_000).default(500),
});


interface MessageEvent {
  readonly stanza: Element;
  readonly to: Jid;
}

/** Whether a stored message comes from a JID the blocklist covers. */
function blockedSender(blocked: ReadonlySet<string>, stanza: Element): boolean {
  if (blocked.size === 0) return false;
  const from = Jid.tryParse(stanza.attrs.from as string | undefined);
  return from !== undefined && blocks(blocked, from);
}

/** RFC 6121 §8.5.2.1: a resource that receives messages sent to the bare JID. */
function receives(s: ClientSession): boolean {
  return s.available && s.priority >= 0;
}

/** RFC 6121 §8.5.2.1.1: the receiving resources of the highest priority. */
function topReceivers(sessions: readonly ClientSession[]): ClientSession[] {
  const receiving = sessions.filter(receives);
  const best = Math.max(...receiving.map((s) => s.priority));
  return receiving.filter((s) => s.priority === best);
}

export default defineModule({
  name: 'offline',
  description: 'Stores messages for accounts that are offline and delivers them later (XEP-0160)',
  specs: ['XEP-0160', 'XEP-0203', 'XEP-0334', 'XEP-0359'],
  options,
  setup(api) {
    const limit = api.options.max_messages;
    // One task at a time per account: storing and delivering never interleave.
    const queue = new KeyedQueue();
    // Sessions that already had their chance at the stored messages (non-negative and available).
    const served = new WeakSet<ClientSession>();
    // Accounts with unacknowledged messages stored and not yet delivered: later ones are stored
    // behind them rather than handed to a resource directly, so they keep their order.
    const backlog = new Set<string>();

    // XEP-0160 §4.
    api.addFeature(NS.OFFLINE, 'host');

    const online = (account: Jid): boolean => api.sessionsOf(account).some(receives);

    const store = (ev: MessageEvent, addressed: Addressed): undefined | Promise<boolean> => {
      // Most messages find their recipient online: that check first, it is the cheaper one.
      const account = ev.to.toBare();
      if (online(account) || !decide(ev.stanza, addressed).store) return undefined;
      return queue.run(account.bare, async () => {
        // A resource may have come online while this task waited: core delivers to it then.
        if (online(account)) return false;
        // Unknown account: core answers it (RFC 6121 §8.5.1).
        if (!(await api.storage.accounts.get(account.domain, account.local))) return false;
        // XEP-0359 §5: a module announcing stanza ids on accounts (archiving) assigned this one.
        const reuseAccountId = api.hasFeature(NS.SID, 'account');
        const stamped = stampForStorage(ev.stanza, { host: api.host, account: account.bare, at: new Date(), id: randomUUID(), reuseAccountId });
        const id = await api.storage.offline.push(account.domain, account.local, serialize(stamped), limit);
        // XEP-0160 §2 and RFC 6121 §8.5.2.2.1: a full queue is answered with service-unavailable,
        // the same answer as for an account that stores nothing, so it reveals nothing more.
        if (id === undefined) throw new StanzaError('service-unavailable');
        api.log.debug('message stored offline', { account: account.bare, id });
        return true;
      });
    };

    api.on('message/bare', (ev) => store(ev, 'bare'), OFFLINE_PRIORITY);

    // XEP-0198 §4: a message a session never acknowledged before it ended goes to the account's
    // other resources, or is stored as if it had come while the account was offline (by the
    // rules for bare-JID messages: the session had accepted it), stamped with the time it was
    // first sent. Error and groupchat messages are neither; what is not taken, core answers.
    api.on('message/undelivered', (ev) => {
      const type = messageType(ev.stanza);
      if (type === 'error' || type === 'groupchat') return undefined;
      return queue.run(ev.to.bare, async () => {
        const receivers = backlog.has(ev.to.bare) ? [] : topReceivers(api.sessionsOf(ev.to));
        // XEP-0198 §4: to another resource, one that does not have it yet (XEP-0280 §7: a
        // copy counts); when every one has, nothing is left to do.
        const others = receivers.filter((s) => !ev.reached.has(s));
        if (others.length > 0) {
          const stamped = withDelay(ev.stanza, api.host, ev.sentAt);
          for (const s of others) s.send(stamped);
          if (others.length > 1) api.noteReached(stamped, others);
          return true;
        }
        if (receivers.length > 0) return true;
        if (!decide(ev.stanza, 'bare').store || !(await api.storage.accounts.get(ev.to.domain, ev.to.local))) return false;
        // The stanza-id the archive gave it on its way to the session stays (XEP-0359 §4: it
        // does not change), as for messages stored while the account was offline.
        const reuseAccountId = api.hasFeature(NS.SID, 'account');
        const stamped = stampForStorage(ev.stanza, { host: api.host, account: ev.to.bare, at: ev.sentAt, id: randomUUID(), redelivery: true, reuseAccountId });
        // A full queue falls through to core, which bounces it (XEP-0160 §2).
        const id = await api.storage.offline.push(ev.to.domain, ev.to.local, serialize(stamped), limit);
        api.log.debug('unacknowledged message stored offline', { account: ev.to.bare, id });
        if (id === undefined) return false;
        backlog.add(ev.to.bare);
        return true;
      }).catch((err: unknown) => {
        api.log.error('unacknowledged message could not be stored', { account: ev.to.bare, err });
        return false;
      });
    }, OFFLINE_PRIORITY);
    api.on('message/full', (ev) => {
      // A session bound to that exact resource gets it from core delivery, available or not.
      const bare = ev.to.toBare();
      if (api.sessionsOf(bare).some((s) => s.jid.full === ev.to.full)) return undefined;
      return store(ev, 'full');
    }, OFFLINE_PRIORITY);

    /**
     * Hands the stored messages to `session`, oldest first, and removes exactly those handed over:
     * if the session goes away meanwhile, the rest stays stored for the next one.
     */
    const deliver = (session: ClientSession): Promise<void> => queue.run(session.jid.bare, async () => {
      const account = session.jid.toBare();
      const stillThere = (): boolean => receives(session) && api.sessionsOf(account).includes(session);
      if (!stillThere()) return;
      const messages = await api.storage.offline.list(account.domain, account.local);
      // XEP-0191 §3.3: what a JID the user blocked after it was stored is not delivered, but
      // dropped like the rest of what is handed over.
      const blocked = messages.length > 0 ? new Set(await api.storage.blocklist.list(account.domain, account.local)) : new Set<string>();
      const handed: number[] = [];
      for (const m of messages) {
        if (!stillThere()) break;
        const stanza = parseStored(m.stanza);
        if (!stanza) api.log.error('unreadable offline message dropped', { account: account.bare, id: m.id });
        else if (!blockedSender(blocked, stanza)) session.send(stanza);
        handed.push(m.id);
      }
      if (handed.length > 0) await api.storage.offline.remove(account.domain, account.local, handed);
      if (handed.length === messages.length) backlog.delete(account.bare);
      if (messages.length > 0) api.log.debug('offline messages delivered', { session: session.id, count: handed.length });
    });

    // XEP-0386 §"Performing the bind": a client binding with Bind 2 fetches its history from the
    // archive, so stored messages the archive holds are dropped instead of sent. Those it does not
    // hold (not archived: hints, preferences, no archive) stay and come at the next presence.
    api.onBind2((session) => queue.run(session.jid.bare, async () => {
      const account = session.jid.toBare();
      const messages = await api.storage.offline.list(account.domain, account.local);
      const byId = new Map<string, number>();
      for (const m of messages) {
        const id = archiveIdOf(m.stanza, account.bare);
        if (id !== undefined) byId.set(id, m.id);
      }
      if (byId.size === 0) return;
      // The archive writes behind: what it accepted must be in storage before it is asked.
      await api.flushWrites();
      const missing = new Set(await api.storage.archive.missing(account.domain, account.local, [...byId.keys()]));
      const archived = [...byId].filter(([id]) => !missing.has(id)).map(([, rowId]) => rowId);
      if (archived.length === 0) return;
      await api.storage.offline.remove(account.domain, account.local, archived);
      api.log.debug('offline messages left to the archive', { session: session.id, count: archived.length });
    }));

    // XEP-0160 §2: delivered when the recipient next sends available presence with non-negative
    // priority, to the resource that sent it: initial presence, or an update from a negative
    // priority. A resource with negative priority never receives them (RFC 6121 §8.5.2.1).
    api.on('presence/available', ({ session, initial }) => {
      const was = !initial && served.has(session);
      if (!receives(session)) {
        served.delete(session);
        return undefined;
      }
      served.add(session);
      if (was) return undefined;
      // Presence goes on whatever happens here; what was not handed over stays stored.
      return deliver(session).catch((err: unknown) => {
        api.log.error('offline delivery failed', { session: session.id, err });
      });
    }, OFFLINE_PRIORITY);
    api.on('presence/unavailable', ({ session }) => {
      served.delete(session);
    });
  },
});
