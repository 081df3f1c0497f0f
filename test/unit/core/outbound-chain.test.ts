// The outbound filters of a client session: stanzas pass them by priority before the stream
// writes them; a filter sends what it kept on through its gate, past itself only.
import assert from 'node:assert/strict';
import { OutboundChain } from '../../../src/core/c2s/outbound-chain.js';
import type { OutboundFilter } from '../../../src/core/session-types.js';
import { xml, type Element } from '../../../src/xmpp/xml.js';

/** A filter that keeps every stanza while `keeping`, logging what it sees under `name`. */
class Keeper implements OutboundFilter {
  kept: Element[] = [];
  keeping = true;
  pass: (s: Element) => void = () => undefined;
  constructor(private readonly name: string, private readonly seen: string[]) {}
  take(stanza: Element): boolean {
    this.seen.push(`${this.name}:${stanza.attrs.id as string}`);
    if (!this.keeping) return false;
    this.kept.push(stanza);
    return true;
  }
  flush(): void {
    const out = this.kept;
    this.kept = [];
    for (const s of out) this.pass(s);
  }
}

const stanza = (id: string): Element => xml('message', { id });

/** A chain that records what it writes, and what its filters see. */
function fixture(): { chain: OutboundChain; written: string[]; seen: string[]; keeper(name: string, priority?: number): Keeper } {
  const written: string[] = [];
  const seen: string[] = [];
  const chain = new OutboundChain((s) => written.push(s.attrs.id as string));
  const keeper = (name: string, priority?: number): Keeper => {
    const k = new Keeper(name, seen);
    k.pass = chain.add(k, priority).pass;
    return k;
  };
  return { chain, written, seen, keeper };
}

describe('core/c2s outbound filters', () => {
  it('writes directly without filters', () => {
    const { chain, written } = fixture();
    chain.send(stanza('1'));
    assert.deepEqual(written, ['1']);
  });

  it('runs filters by priority, and a released stanza passes only the later ones', () => {
    const { chain, written, seen, keeper } = fixture();
    keeper('low', -5).keeping = false;
    keeper('high', 5);
    chain.send(stanza('1'));
    assert.deepEqual(written, []);
    assert.deepEqual(seen, ['high:1']);
    chain.flush();
    assert.deepEqual(seen, ['high:1', 'low:1']);
    assert.deepEqual(written, ['1']);
  });

  it('flushes the earlier filter first, so the later one can keep what it releases', () => {
    const { chain, written, seen, keeper } = fixture();
    keeper('first');
    keeper('second');
    chain.send(stanza('1'));
    chain.flush();
    assert.deepEqual(seen, ['first:1', 'second:1']);
    assert.deepEqual(written, ['1'], 'released by the first, kept by the second, released by it');
  });

  it('a removed filter sees no more stanzas', () => {
    const { chain, written, seen } = fixture();
    const k = new Keeper('k', seen);
    chain.add(k).remove();
    chain.send(stanza('1'));
    assert.deepEqual(seen, []);
    assert.deepEqual(written, ['1']);
  });
});
