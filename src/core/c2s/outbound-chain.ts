// The outbound filters of a client session: stages a stanza passes, highest priority first, on
// its way to the stream (see OutboundFilter). A stage that keeps a stanza sends it on later
// through its gate, to the stages after it. Whatever counts what the stream writes (stream
// management acknowledgements) sits behind the last stage, so kept stanzas are not counted.
import type { Element } from '../../xmpp/xml.js';
import type { OutboundFilter, OutboundGate } from '../session-types.js';

interface Stage {
  readonly filter: OutboundFilter;
  readonly priority: number;
  readonly order: number;
}

/** True when `a` runs before `b`. */
function before(a: Stage, b: Stage): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.order < b.order);
}

export class OutboundChain {
  /** Replaced, never changed in place, so a stanza on its way sees one consistent list. */
  private stages: readonly Stage[] = [];
  private added = 0;

  constructor(private readonly write: (stanza: Element) => void) {}

  send(stanza: Element): void {
    this.run(stanza, undefined);
  }

  add(filter: OutboundFilter, priority = 0): OutboundGate {
    const stage: Stage = { filter, priority, order: this.added++ };
    this.stages = [...this.stages, stage].sort((a, b) => (before(a, b) ? -1 : 1));
    return {
      pass: (stanza) => this.run(stanza, stage),
      remove: () => {
        this.stages = this.stages.filter((s) => s !== stage);
      },
    };
  }

  /** Every stage sends on what it keeps; a stanza released early passes the later stages. */
  flush(): void {
    for (const s of this.stages) s.filter.flush();
  }

  /** Runs `stanza` through the stages after `after` (all of them when undefined), then writes it. */
  private run(stanza: Element, after: Stage | undefined): void {
    for (const s of this.stages) {
      if (after !== undefined && !before(after, s)) continue;
      if (s.filter.take(stanza)) return;
    }
    this.write(stanza);
  }
}
