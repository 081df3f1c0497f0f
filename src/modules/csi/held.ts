// The stanzas kept back from one inactive client (XEP-0352), as an outbound filter of its
// session: in arrival order, a contact's presence replaced by its next one, at most `max` of
// them. An urgent stanza sends everything kept first, then itself, so the client sees the
// order the server saw.
import type { OutboundFilter } from '../../core/module-api.js';
import type { Element } from '../../xmpp/xml.js';
import { urgency } from './classify.js';

export class HeldStanzas implements OutboundFilter {
  private held: Element[] = [];
  /** The kept stanza for each replacement key (a contact's full JID for presence). */
  private readonly byKey = new Map<string, Element>();
  private inactive = false;

  /** `pass` sends a stanza on to the client; `max` kept stanzas and one more send all. */
  constructor(private readonly pass: (stanza: Element) => void, private readonly max: number) {}

  get size(): number {
    return this.held.length;
  }

  /** The client said it is inactive (true) or active (false, which sends everything kept). */
  setInactive(inactive: boolean): void {
    this.inactive = inactive;
    if (!inactive) this.flush();
  }

  take(stanza: Element): boolean {
    if (!this.inactive) return false;
    const u = urgency(stanza);
    if (u.urgent) {
      this.flush();
      return false;
    }
    if (u.key !== undefined) {
      const older = this.byKey.get(u.key);
      if (older !== undefined) this.held.splice(this.held.indexOf(older), 1);
      this.byKey.set(u.key, stanza);
    }
    this.held.push(stanza);
    if (this.held.length > this.max) this.flush();
    return true;
  }

  flush(): void {
    if (this.held.length === 0) return;
    const out = this.held;
    this.held = [];
    this.byKey.clear();
    for (const stanza of out) this.pass(stanza);
  }
}
