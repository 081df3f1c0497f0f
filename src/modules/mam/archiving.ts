// Archiving on the message path (XEP-0313 §3, §6.1.1): the sender's copy when a local account
// sends (message/outbound), the recipient's copy when a local account receives (message/bare,
// message/full). Both only queue a row for the write-behind buffer; nothing here waits for
// storage unless an account's preferences are not in memory yet.
import type { Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import type { MamContext } from './context.js';
import type { Policy } from './policy.js';
import { addStanzaId, archivable, archivedText, prefsAllow, removeForgedIds } from './rules.js';

/**
 * Below blocking (500), so a blocked message is never archived (§6.1: rejected messages stay
 * out); above offline storage (-500) and core delivery (-1000), so what they store or deliver
 * carries the archive's stanza-id.
 */
export const ARCHIVE_PRIORITY = 200;

type Verdict = undefined | Promise<undefined>;

interface MessageEvent {
  readonly stanza: Element;
  readonly from: Jid;
  readonly to: Jid;
}

/**
 * Runs `then` with the account's policy, at once when it is in memory. When it cannot be read,
 * the message is not archived but goes on: archiving never stops a message.
 */
function withPolicy(ctx: MamContext, username: string, then: (p: Policy) => void): Verdict {
  const policy = ctx.policies.get(username);
  if (!(policy instanceof Promise)) {
    then(policy);
    return undefined;
  }
  return policy.then(
    (p) => {
      then(p);
      return undefined;
    },
    (err: unknown) => {
      ctx.api.log.error('archiving preferences could not be read; message not archived', { username, err });
      return undefined;
    },
  );
}

function allows(policy: Policy, account: Jid, contact: Jid): boolean {
  if (!policy.exists) return false;
  const inRoster = contact.bare === account.bare || (policy.roster?.has(contact.bare) ?? false);
  return prefsAllow(policy.prefs, contact, inRoster);
}

export function installArchiving(ctx: MamContext): void {
  const { api } = ctx;
  /**
   * Messages an account sent to itself: archived once, as the sender's copy (§6.1.1: one copy
   * per archive), whose id the recipient's side then adds to the delivered stanza.
   */
  const toSelf = new WeakMap<Element, string>();

  /** Queues the archive row; returns the message's archive id. */
  const archive = (account: Jid, contact: Jid, stanza: Element): string => {
    const { id, at } = ctx.ids.next();
    ctx.writer.add({
      host: api.host,
      username: account.local,
      id,
      at: new Date(at),
      with: contact.bare,
      withResource: contact.resource,
      stanza: archivedText(stanza, account.bare),
    });
    return id;
  };

  api.on('message/outbound', (ev) => {
    const account = ev.from.toBare();
    // XEP-0359 §3: a stanza-id naming the sender's account can only be forged; the routed
    // stanza loses it before anyone receives it (a change in place, as for the recipient below).
    removeForgedIds(ev.stanza, account.bare);
    // A message to the server itself is no conversation.
    if (ev.to.full === api.host || !archivable(ev.stanza)) return undefined;
    return withPolicy(ctx, account.local, (policy) => {
      if (!allows(policy, account, ev.to)) return;
      const id = archive(account, ev.to, ev.stanza);
      // §3.5: the sender's archive id is not added to what the contact receives, only to the
      // sent carbons the account's other resources get (the event carries it to them).
      ev.senderArchiveId = id;
      if (ev.to.bare === account.bare) toSelf.set(ev.stanza, id);
    });
  }, ARCHIVE_PRIORITY);

  /**
   * Whether the recipient's server keeps the message (§6.1: a rejected message is not archived,
   * and a bounce must not carry the archive id back to the sender): a session receives it now
   * (RFC 6121 §8.5.2.1, §8.5.3.1), or, with nobody to receive it, offline storage takes it
   * (XEP-0160; to an absent resource only a chat message, RFC 6121 §8.5.3.2.1). A full offline
   * queue still bounces an archived message.
   */
  const accepted = (ev: MessageEvent, account: Jid): boolean => {
    const sessions = api.sessionsOf(account);
    if (!ev.to.isBare && sessions.some((s) => s.jid.full === ev.to.full)) return true;
    if (sessions.some((s) => s.available && s.priority >= 0)) return true;
    if (!ev.to.isBare && ev.stanza.attrs.type !== 'chat') return false;
    return api.hasFeature(NS.OFFLINE, 'host');
  };

  const inbound = (ev: MessageEvent): Verdict => {
    const account = ev.to.toBare();
    // The delivered stanza is changed in place (the routed stanza, before delivery and offline
    // storage see it): forged ids removed (XEP-0359 §3, whether or not the message is archived)
    // and the archive's own added (§3.5).
    removeForgedIds(ev.stanza, account.bare);
    const own = toSelf.get(ev.stanza);
    if (own !== undefined) {
      addStanzaId(ev.stanza, own, account.bare);
      return undefined;
    }
    if (!archivable(ev.stanza) || !accepted(ev, account)) return undefined;
    return withPolicy(ctx, account.local, (policy) => {
      if (!allows(policy, account, ev.from)) return;
      addStanzaId(ev.stanza, archive(account, ev.from, ev.stanza), account.bare);
    });
  };
  api.on('message/bare', inbound, ARCHIVE_PRIORITY);
  api.on('message/full', inbound, ARCHIVE_PRIORITY);
}
