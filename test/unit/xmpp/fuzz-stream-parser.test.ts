// Seeded fuzzing of the stream parser (RFC 6120 §4, §11; checks in fuzz/parser-target.ts): random
// bytes and mutated valid streams (bit flips, truncations, splices, inserted XML tokens), fed
// whole and in random chunks. A short, fixed run here; `npm run fuzz` runs it for longer. Then
// the cases the fuzzer found, as plain regressions.
import assert from 'node:assert/strict';
import { StreamParser } from '../../../src/xmpp/stream-parser.js';
import type { Element } from '../../../src/xmpp/xml.js';
import { parserIteration } from '../../../fuzz/parser-target.js';
import { mixSeed } from '../../../fuzz/rng.js';
import { watchHeap } from '../../support/hostile.js';

const RUN_SEED = Number(process.env.FUZZ_SEED ?? 0x5747);
const ITERATIONS = 3000;
const HEADER = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost'>";

function parse(chunks: (string | Buffer)[], limits = { maxStanzaBytes: 65536, maxDepth: 16, maxHeaderBytes: 4096 }): { events: string[]; stanzas: Element[] } {
  const out = { events: [] as string[], stanzas: [] as Element[] };
  const p = new StreamParser({
    onStreamStart: () => out.events.push('start'),
    onStanza: (el) => {
      out.stanzas.push(el);
      out.events.push(`stanza ${el.name}`);
    },
    onStreamEnd: () => out.events.push('end'),
    onError: (err) => out.events.push(`error ${err.condition}`),
  }, limits);
  for (const c of chunks) p.write(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  return out;
}

describe('stream parser fuzzing (seeded)', () => {
  it(`${ITERATIONS} mutated and random inputs: nothing thrown, valid event order, chunking changes nothing, stanzas round-trip, heap bounded`, () => {
    const heap = watchHeap();
    const failures: string[] = [];
    let events = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = mixSeed(RUN_SEED, i);
      const v = parserIteration(seed);
      events += v.events;
      if (v.problem) failures.push(`seed ${seed}: ${v.problem}`);
    }
    const { retainedMb } = heap.stop();
    assert.deepEqual(failures.slice(0, 5), [], `replay with: npm run fuzz -- --target parser --replay <seed>`);
    assert.ok(events > ITERATIONS, 'the inputs produce events at all');
    assert.ok(retainedMb < 8, `heap retained +${retainedMb.toFixed(1)} MiB`);
  });

  describe('cases found by fuzzing', () => {
    it('hands over a stanza that was complete before invalid UTF-8 in the same chunk (§4.9.3.22)', () => {
      const bad = Buffer.concat([Buffer.from(`${HEADER}<presence/><message>`), Buffer.from([0xff])]);
      assert.deepEqual(parse([bad]).events, ['start', 'stanza presence', 'error unsupported-encoding']);
      assert.deepEqual(parse([bad.subarray(0, 100), bad.subarray(100)]).events, ['start', 'stanza presence', 'error unsupported-encoding']);
    });

    it('keeps a character split across chunks when the next chunk turns invalid', () => {
      const euro = Buffer.from('€'); // 3 bytes
      const first = Buffer.concat([Buffer.from(`${HEADER}<message><body>`), euro.subarray(0, 1)]);
      const second = Buffer.concat([euro.subarray(1), Buffer.from('</body></message>'), Buffer.from([0xc0])]);
      const r = parse([first, second]);
      assert.deepEqual(r.events, ['start', 'stanza message', 'error unsupported-encoding']);
      assert.equal(r.stanzas[0]!.getChildText('body'), '€');
    });

    it('hands over a complete stanza followed by bad markup in the same chunk, but not one closed by a wrong end tag', () => {
      assert.deepEqual(parse([`${HEADER}<presence/><<`]).events, ['start', 'stanza presence', 'error not-well-formed']);
      assert.deepEqual(parse([`${HEADER}<message></stream:stream>`]).events, ['start', 'error not-well-formed']);
    });

    it('reports a size limit passed before a syntax error in the same slice as policy-violation (§13.12)', () => {
      // 100 three-byte characters pass a 128-byte budget long before the stray '<' at the end.
      const input = `${HEADER}<message><body>${'€'.repeat(100)}<</body></message>`;
      assert.deepEqual(parse([input], { maxStanzaBytes: 128, maxDepth: 16, maxHeaderBytes: 4096 }).events, ['start', 'error policy-violation']);
    });

    it('refuses a closing tag that does not close the stream root with not-well-formed (§4.4, §4.9.3.13)', () => {
      assert.deepEqual(parse([`${HEADER}<presence/></stream:other>`]).events, ['start', 'stanza presence', 'error not-well-formed']);
      assert.deepEqual(parse([`${HEADER}<presence/></stream:stream>junk`]).events, ['start', 'stanza presence', 'end']);
    });

    it('counts the closing stream tag against the size limit, like anything between stanzas (§13.12)', () => {
      const input = `${HEADER}<presence/></stream:${'s'.repeat(200)}>`;
      const limits = { maxStanzaBytes: 128, maxDepth: 16, maxHeaderBytes: 4096 };
      assert.deepEqual(parse([input], limits).events, ['start', 'stanza presence', 'error policy-violation']);
    });

    it('writes xmlns on a stanza in no namespace, so it means the same in any stream (§4.8.3)', () => {
      const r = parse(["<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='localhost'><message><body>x</body></message>"]);
      assert.equal(r.stanzas[0]!.toString(), '<message xmlns=""><body>x</body></message>');
    });
  });
});
