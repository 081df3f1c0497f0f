// The in-process router (architecture guide, "A stanza's way" step 3). It prepares `to`,
// classifies the target as host/bare/full/remote and fires `<kind>/<target>` on the target
// host's event bus (the origin host's for remote targets). Handler errors become stanza errors.
// A cluster router can replace this class behind the Router interface.
import { randomUUID } from 'node:crypto';
import type { Element } from '../xmpp/xml.js';
import { Jid } from '../xmpp/jid.js';
import { StanzaError } from '../xmpp/errors.js';
import { errorReply, stanzaKind, type StanzaKind } from '../xmpp/stanza.js';
import type { Logger } from '../util/log.js';
import type { Host } from './host.js';
import type { ClientSession } from './session-types.js';
import type { SessionManager } from './session-manager.js';
import type { EventName } from './events.js';

export interface Router {
  /** Routes a stanza whose `from` is already stamped. Resolves when its handlers are done. */
  route(stanza: Element, origin?: ClientSession): void | Promise<void>;
  /** Answers `stanza` with an error, unless that is forbidden (errors, IQ results). */
  bounce(stanza: Element, error: StanzaError): void;
}

/** The seam for server-to-server: where stanzas for other domains go. */
export interface RemoteRoute {
  send(stanza: Element, from: Jid, to: Jid): void;
}

type Target = 'host' | 'bare' | 'full' | 'remote';

/** Event names by stanza kind and target, made once (route() runs for every stanza). */
const EVENTS = Object.fromEntries((['message', 'presence', 'iq'] as const).map((kind) => [kind, {
  outbound: `${kind}/outbound`,
  host: `${kind}/host`,
  bare: `${kind}/bare`,
  full: `${kind}/full`,
  remote: `${kind}/remote`,
}])) as Record<StanzaKind, Record<Target | 'outbound', EventName>>;

export class LocalRouter implements Router {
  remote: RemoteRoute;

  constructor(
    private readonly hosts: ReadonlyMap<string, Host>,
    readonly sessions: SessionManager,
    private readonly log: Logger,
  ) {
    // Until server-to-server exists, every remote domain is unreachable (RFC 6120 §8.3.3.16).
    this.remote = {
      send: (stanza) => this.bounce(stanza, new StanzaError('remote-server-not-found')),
    };
  }

  isLocal(domain: string): boolean {
    return this.hosts.has(domain);
  }

  route(stanza: Element, origin?: ClientSession): void | Promise<void> {
    const kind = stanzaKind(stanza);
    if (!kind) return;
    const fromAttr = stanza.attrs.from as string | undefined;
    const from = origin ? origin.jid : Jid.tryParse(fromAttr);
    if (!from) {
      this.log.warn('dropping stanza without a valid from', { kind });
      return;
    }
    const toAttr = stanza.attrs.to as string | undefined;
    let to: Jid | undefined;
    if (toAttr === undefined) {
      // RFC 6120 §10.3: no 'to' means the sender's own account (presence: a broadcast).
      to = from.toBare();
    } else {
      to = Jid.tryParse(toAttr);
      if (!to) return this.bounce(stanza, new StanzaError('jid-malformed', 'the to address is not a valid JID'));
      if (to.full !== toAttr) stanza.attrs.to = to.full;
    }
    const host = this.hosts.get(to.domain);
    const target: Target = !host ? 'remote' : to.local === '' ? 'host' : to.resource === '' ? 'bare' : 'full';
    const firing = host ?? this.hosts.get(from.domain);
    if (!firing) return;
    // One shape for every kind; only message/outbound handlers read or set senderArchiveId.
    const ev = { stanza, from, to, origin, senderArchiveId: undefined as string | undefined };
    const senderHost = origin ? this.hosts.get(origin.jid.domain) : undefined;
    const outbound = EVENTS[kind].outbound as EventName & `${StanzaKind}/outbound`;
    if (!senderHost || !senderHost.events.has(outbound)) return this.fire(firing, kind, target, ev);
    // Outbound processing on the sender's host first (RFC 6121 §3, XEP-0191, XEP-0280).
    let out: boolean | Promise<boolean>;
    try {
      out = senderHost.events.fire(outbound, ev);
    } catch (err) {
      return this.handlerFailed(stanza, err);
    }
    if (out instanceof Promise) {
      return out.then(
        (stop) => (stop ? undefined : this.fire(firing, kind, target, ev)),
        (err: unknown) => this.handlerFailed(stanza, err),
      );
    }
    if (!out) return this.fire(firing, kind, target, ev);
  }

  private fire(host: Host, kind: StanzaKind, target: Target, ev: { stanza: Element; from: Jid; to: Jid; origin: ClientSession | undefined }): void | Promise<void> {
    const name = EVENTS[kind][target] as EventName & `${StanzaKind}/${Target}`;
    let result: boolean | Promise<boolean>;
    try {
      result = host.events.fire(name, ev);
    } catch (err) {
      return this.handlerFailed(ev.stanza, err);
    }
    if (result instanceof Promise) {
      return result.then(
        (handled) => this.unhandled(handled, kind, target, ev),
        (err: unknown) => this.handlerFailed(ev.stanza, err),
      );
    }
    this.unhandled(result, kind, target, ev);
  }

  private unhandled(handled: boolean, kind: StanzaKind, target: Target, ev: { stanza: Element; from: Jid; to: Jid }): void {
    if (handled) return;
    if (target === 'remote') return this.remote.send(ev.stanza, ev.from, ev.to);
    // RFC 6120 §8.2.3 / RFC 6121 §8.5: an IQ request nobody handles gets service-unavailable.
    const type = ev.stanza.attrs.type as string | undefined;
    if (kind === 'iq' && (type === 'get' || type === 'set')) {
      this.bounce(ev.stanza, new StanzaError('service-unavailable'));
    }
  }

  private handlerFailed(stanza: Element, err: unknown): void {
    if (err instanceof StanzaError) return this.bounce(stanza, err);
    const id = randomUUID();
    this.log.error('stanza handler failed', { errorId: id, kind: stanza.name, err });
    this.bounce(stanza, new StanzaError('internal-server-error', `internal error ${id}`));
  }

  bounce(stanza: Element, error: StanzaError): void {
    const reply = errorReply(stanza, error);
    if (!reply) return;
    const sender = Jid.tryParse(stanza.attrs.from as string | undefined);
    if (!sender) return;
    // A stanza without 'to' was for the sender's own account (RFC 6120 §10.3); one with an
    // unusable 'to' is answered by the sender's server.
    if (!reply.attrs.from) reply.attrs.from = sender.bare;
    else if (!Jid.tryParse(reply.attrs.from as string)) reply.attrs.from = sender.domain;
    const r = this.route(reply);
    if (r instanceof Promise) r.catch((err: unknown) => this.log.error('bounce failed', { err }));
  }
}
