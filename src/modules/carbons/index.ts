// XEP-0280: Message Carbons. A resource that enables carbons gets a copy of every message
// eligible for copying (rules.ts) that its account receives and another resource did not get
// (§7, <received/>), and of every one another resource of its account sends (§8, <sent/>).
// Copies go straight to the resource, never through routing, so nothing copies or bounces a
// copy (§10.3). Carbons a client makes itself are refused (§11).
import { defineModule, z, type ClientSession, type IqContext } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { messageType } from '../../xmpp/stanza.js';
import type { Element } from '../../xmpp/xml.js';
import { carbon, carriesCarbon, eligible, forwardedCopy, type Direction } from './rules.js';
import { deliveredTo } from './targets.js';

/**
 * Below archiving (200), so a copy forwards the message with the stanza id the archive gave it
 * (the recipient's added to the stanza, the sender's on the outbound event),
 * and above offline storage (-500) and core delivery (-1000), which end the chain.
 */
export const CARBONS_PRIORITY = 100;

interface MessageEvent {
  readonly stanza: Element;
  readonly to: Jid;
  readonly origin: ClientSession | undefined;
}

export default defineModule({
  name: 'carbons',
  description: 'Message Carbons: every resource of an account sees both sides of its conversations (XEP-0280)',
  specs: ['XEP-0280', 'XEP-0297', 'XEP-0334'],
  options: z.strictObject({}),
  setup(api) {
    // §3: on the server's JID; clients look on their account too.
    api.addFeature(NS.CARBONS, 'host');
    api.addFeature(NS.CARBONS, 'account');

    const enabled = new WeakSet<ClientSession>();

    // §4, §5: a client of this server turns carbons on or off for its own session, as often as it
    // likes (§10.1: repeating either is no error). Anyone else gets not-allowed.
    const toggle = (on: boolean) => (ctx: IqContext): undefined => {
      const session = ctx.origin;
      const own = session !== undefined && session.jid.domain === api.host && (ctx.to.local === '' || ctx.to.bare === session.jid.bare);
      if (!own) throw new StanzaError('not-allowed', 'carbons are set by a client of this server for itself');
      if (on) enabled.add(session);
      else enabled.delete(session);
      api.log.debug(on ? 'carbons enabled' : 'carbons disabled', { session: session.id });
      return undefined;
    };
    api.iq('set', NS.CARBONS, 'enable', toggle(true), { to: ['bare', 'host'] });
    api.iq('set', NS.CARBONS, 'disable', toggle(false), { to: ['bare', 'host'] });
    // XEP-0386 §"Performing the bind": <enable/> in a Bind 2 request turns carbons on for the new
    // session before it can receive anything; it always succeeds, so nothing goes into <bound/>.
    api.addBind2Feature(NS.CARBONS, (session, el) => {
      if (el.getName() !== 'enable') return;
      enabled.add(session);
      api.log.debug('carbons enabled', { session: session.id, inline: true });
    });

    /** Sends a copy of `stanza` to each carbons-enabled resource of `account` that `wants`. */
    const copy = (direction: Direction, stanza: Element, account: Jid, wants: (s: ClientSession) => boolean, archiveId?: string): void => {
      let forwarded: Element | undefined;
      let copied: ClientSession[] | undefined;
      for (const s of api.sessionsOf(account)) {
        if (!enabled.has(s) || !wants(s)) continue;
        forwarded ??= forwardedCopy(stanza, account.bare, archiveId);
        s.send(carbon(direction, forwarded, account.bare, s.jid.full));
        (copied ??= []).push(s);
      }
      if (!copied) return;
      // Should the resource the message is for never acknowledge it, these have it already.
      api.noteReached(stanza, copied);
      api.log.debug('carbons sent', { account: account.bare, direction, count: copied.length });
    };

    // §8: what one resource sends goes to the account's other carbons-enabled resources, whether
    // or not the sender enabled carbons itself.
    api.on('message/outbound', (ev) => {
      const sender = ev.origin;
      if (sender === undefined) return undefined;
      // §11: a carbon from anyone but the user's own server is a forgery; refuse it rather than
      // pass it to a client that might trust it (CVE-2017-5589).
      if (carriesCarbon(ev.stanza)) throw new StanzaError('not-allowed', 'carbons are made by the server only');
      // Most messages come from accounts with no other carbons-enabled resource: nothing to work out.
      if (!api.sessionsOf(sender.jid).some((s) => s !== sender && enabled.has(s))) return undefined;
      if (!eligible(ev.stanza, 'sent')) return undefined;
      const account = sender.jid.toBare();
      // A message to the account itself: the resources that get it need no copy as well.
      const got = (ev.to.bare === account.bare ? deliveredTo(api.sessionsOf(account), ev.to, messageType(ev.stanza)) : undefined) ?? [];
      // XEP-0313 §3.5: the copy carries the id the account's archive gave the message, if any.
      copy('sent', ev.stanza, account, (s) => s !== sender && !got.includes(s), ev.senderArchiveId);
      return undefined;
    }, CARBONS_PRIORITY);

    // §7: what the account receives goes to its carbons-enabled resources that core delivery does
    // not hand it to, available or not. When it reaches no resource, it is stored offline
    // (XEP-0160) and the first resource that may receive it (one that has not sent presence
    // yet, or one of negative priority that raises it) gets it then: no copy now, or it would
    // get it twice.
    const received = (ev: MessageEvent): undefined => {
      // Between two resources of the account: the sent carbons above reached the others.
      if (ev.origin !== undefined && ev.origin.jid.bare === ev.to.bare) return undefined;
      if (!api.sessionsOf(ev.to).some((s) => enabled.has(s))) return undefined;
      if (!eligible(ev.stanza, 'received')) return undefined;
      const account = ev.to.toBare();
      const got = deliveredTo(api.sessionsOf(account), ev.to, messageType(ev.stanza));
      // Nobody gets it now (it bounces, is dropped, or waits in offline storage for the first
      // resource that may receive it, which would have it twice): nobody gets a copy either.
      if (got === undefined || got.length === 0) return undefined;
      copy('received', ev.stanza, account, (s) => !got.includes(s));
      return undefined;
    };
    api.on('message/bare', received, CARBONS_PRIORITY);
    api.on('message/full', received, CARBONS_PRIORITY);

    // XEP-0198 §4: a copy the session never acknowledged was made for that session alone; the
    // other resources had the original or a copy of their own (§7, §8), so it goes nowhere.
    api.on('message/undelivered', ({ stanza, to }) => (carriesCarbon(stanza) && stanza.attrs.from === to.bare ? true : undefined), CARBONS_PRIORITY);
  },
});
