// XEP-0191 §3.3: what happens to stanzas between a user and a JID the user blocked.
// Inbound (to the user, on the user's host): presence is dropped without an answer, messages
// and IQ get/set are answered with service-unavailable (so the user appears offline), IQ
// results and errors are dropped. Outbound (from the user's sessions): refused with
// not-acceptable plus <blocked xmlns='urn:xmpp:blocking:errors'/>. Runs early (priority 500)
// so no other module sees a blocked stanza.
import { xml, type Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import { errorReply } from '../../xmpp/stanza.js';
import type { Jid } from '../../xmpp/jid.js';
import type { ClientSession } from '../../core/module-api.js';
import { isExempt, type BlockSet } from './rules.js';
import type { BlockingContext } from './context.js';

export const BLOCKING_PRIORITY = 500;

type Verdict = true | undefined;
type StanzaEv = { readonly stanza: Element; readonly from: Jid; readonly to: Jid; readonly origin: ClientSession | undefined };

function blockedError(): StanzaError {
  // The example in §3.3 gives the error type 'cancel'.
  return new StanzaError('not-acceptable', undefined, 'cancel', xml('blocked', { xmlns: NS.BLOCKING_ERRORS }));
}

function withList(ctx: BlockingContext, username: string, decide: (set: BlockSet) => Verdict): Verdict | Promise<Verdict> {
  const set = ctx.lists.get(username);
  return set instanceof Promise ? set.then(decide) : decide(set);
}

function andThen(first: Verdict | Promise<Verdict>, next: () => Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
  if (first instanceof Promise) return first.then((v) => (v === true ? true : next()));
  return first === true ? true : next();
}

export function installEnforcement(ctx: BlockingContext): void {
  const { api } = ctx;

  /** A stanza to a local user (this host) from a JID the user blocked. */
  const inbound = (ev: StanzaEv): Verdict | Promise<Verdict> => {
    if (isExempt(ev.from, ev.to)) return undefined;
    return withList(ctx, ev.to.local, (set) => {
      if (!set.matches(ev.from)) return undefined;
      if (ev.stanza.name !== 'presence') {
        // errorReply gives nothing for errors and IQ results: those are dropped silently.
        const reply = errorReply(ev.stanza, new StanzaError('service-unavailable'));
        if (reply) ctx.send(reply);
      }
      return true;
    });
  };

  /**
   * Presence the server generates on a local user's behalf (broadcasts to contacts, answers to
   * probes) does not come from a session, so `presence/outbound` does not see it. It must not
   * reach a JID the user blocked either (§3.3: "MUST NOT route the stanza to the JID").
   * Only senders on this host can be checked here (the event fires on the recipient's host);
   * once the router fires `presence/outbound` for such presence too, `outbound` below takes it
   * for every sender and these hooks become redundant.
   */
  const onBehalf = (ev: StanzaEv): Verdict | Promise<Verdict> => {
    if (ev.origin !== undefined || ev.from.domain !== api.host || ev.from.local === '') return undefined;
    if (ctx.isOwn(ev.stanza) || isExempt(ev.to, ev.from)) return undefined;
    return withList(ctx, ev.from.local, (set) => (set.matches(ev.to) ? true : undefined));
  };

  /** A stanza from one of the user's sessions to a JID the user blocked. */
  const outbound = (ev: StanzaEv): Verdict | Promise<Verdict> => {
    if (ev.origin === undefined) return ev.stanza.name === 'presence' ? onBehalf(ev) : undefined;
    if (isExempt(ev.to, ev.from)) return undefined;
    const session = ev.origin;
    return withList(ctx, ev.from.local, (set) => {
      if (!set.matches(ev.to)) return undefined;
      const reply = errorReply(ev.stanza, blockedError());
      if (reply) {
        // Straight to the session: routed, it would come from the blocked JID and be dropped.
        reply.attrs.from = ev.to.full;
        reply.attrs.to = ev.from.full;
        session.send(reply);
      }
      return true;
    });
  };

  for (const kind of ['message', 'iq'] as const) {
    api.on(`${kind}/bare`, inbound, BLOCKING_PRIORITY);
    api.on(`${kind}/full`, inbound, BLOCKING_PRIORITY);
    api.on(`${kind}/outbound`, outbound, BLOCKING_PRIORITY);
  }
  api.on('presence/bare', (ev) => andThen(onBehalf(ev), () => inbound(ev)), BLOCKING_PRIORITY);
  api.on('presence/full', (ev) => andThen(onBehalf(ev), () => inbound(ev)), BLOCKING_PRIORITY);
  api.on('presence/remote', onBehalf, BLOCKING_PRIORITY);
  api.on('presence/outbound', outbound, BLOCKING_PRIORITY);
}
