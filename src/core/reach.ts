// Which sessions a message reached when it reached more than one: several resources of equal
// priority (RFC 6121 §8.5.2.1.1), or copies (Message Carbons). A session that ends without
// acknowledging its copy (XEP-0198 §4) hands it on only to resources that have none: the
// others are named on `message/undelivered`. Kept per stanza object, only when there is more
// than one recipient, and forgotten with the stanza.
import type { Element } from '../xmpp/xml.js';
import type { ClientSession } from './session-types.js';

export class Reach {
  private readonly reached = new WeakMap<Element, ClientSession[]>();

  /** `sessions` got `stanza`, the very object, or a copy of it. */
  note(stanza: Element, sessions: readonly ClientSession[]): void {
    if (sessions.length === 0) return;
    const known = this.reached.get(stanza);
    if (known) known.push(...sessions);
    else this.reached.set(stanza, [...sessions]);
  }

  /** The sessions noted for `stanza`. */
  of(stanza: Element): readonly ClientSession[] {
    return this.reached.get(stanza) ?? [];
  }
}
