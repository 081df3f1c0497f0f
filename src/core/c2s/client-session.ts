// A bound client session (RFC 6120 §7): the state the rest of the server sees, apart from the
// stream that currently carries it.
import { randomBytes } from 'node:crypto';
import type { Element } from '../../xmpp/xml.js';
import type { Jid } from '../../xmpp/jid.js';
import type { StreamError } from '../../xmpp/errors.js';
import type { ClientSession, OutboundFilter, OutboundGate } from '../session-types.js';
import { OutboundChain } from './outbound-chain.js';

export interface SessionCarrier {
  sendStanza(stanza: Element): void;
  close(error?: StreamError): void;
}

export class C2sSession implements ClientSession {
  readonly id = randomBytes(6).toString('base64url');
  available = false;
  priority = 0;
  presence: Element | undefined = undefined;
  private readonly outbound: OutboundChain;

  constructor(
    readonly jid: Jid,
    readonly remoteAddress: string,
    readonly secure: boolean,
    private readonly carrier: SessionCarrier,
  ) {
    this.outbound = new OutboundChain((stanza) => this.carrier.sendStanza(stanza));
  }

  send(stanza: Element): void {
    this.outbound.send(stanza);
  }

  addOutboundFilter(filter: OutboundFilter, priority?: number): OutboundGate {
    return this.outbound.add(filter, priority);
  }

  flushOutbound(): void {
    this.outbound.flush();
  }

  close(error?: StreamError): void {
    this.carrier.close(error);
  }
}
