// One fuzz iteration of the stream parser (RFC 6120 §4, §11): a mutated or random input, parsed
// whole and in random chunks. The checks: nothing is thrown out of write(); the events follow
// the stream grammar (header, stanzas, then at most one end or error, nothing after); a parser
// fault never shows as internal-server-error; chunking changes nothing; every stanza handed on
// serialises to XML that parses back to the same stanza; an unmutated stream parses cleanly; and
// the same parser on saxes (fuzz/saxes-tokenizer.ts) hands on the same header and stanzas, and
// neither accepts what the other refuses (the error condition, and when a tag still being read
// is found wrong, may differ).
import { StreamParser, type StreamParserLimits, type TokenizerFactory } from '../src/xmpp/stream-parser.js';
import { SaxesTokenizer } from './saxes-tokenizer.js';
import type { Element } from '../src/xmpp/xml.js';
import { PARSER_STREAMS, STREAM_HEADER } from './corpus.js';
import { chunk, mutate } from './mutate.js';
import { Rng } from './rng.js';

type Event = string;

export interface ParserVerdict {
  /** Undefined when every check passed. */
  problem: string | undefined;
  input: Buffer;
  events: number;
  /** How the whole-input parse ended: the error condition, 'end', or 'open'. */
  outcome: string;
}

const ROOMY: StreamParserLimits = { maxStanzaBytes: 1 << 20, maxDepth: 64, maxHeaderBytes: 65536 };

interface Run {
  events: Event[];
  stanzas: Element[];
  thrown: unknown;
}

const onSaxes: TokenizerFactory = (owner) => new SaxesTokenizer(owner);

function parse(chunks: readonly Buffer[], limits: StreamParserLimits, tokenizer?: TokenizerFactory): Run {
  const run: Run = { events: [], stanzas: [], thrown: undefined };
  const parser = new StreamParser({
    onStreamStart: (h) => run.events.push(`start ${h.uri} ${h.defaultNs} ${JSON.stringify(h.attrs)}`),
    onStanza: (el) => {
      run.stanzas.push(el);
      run.events.push(`stanza ${el.toString()}`);
    },
    onStreamEnd: () => run.events.push('end'),
    onError: (err) => run.events.push(`error ${err.condition}`),
  }, limits, tokenizer);
  try {
    for (const c of chunks) parser.write(c);
  } catch (err) {
    run.thrown = err;
  }
  return run;
}

/** The first broken rule of the stream grammar, if any. */
function grammar(events: readonly Event[]): string | undefined {
  let started = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.startsWith('start')) {
      if (started) return 'a second stream start without a reset';
      started = true;
    } else if (e.startsWith('stanza')) {
      if (!started) return 'a stanza before the stream header';
    } else {
      if (e === 'end' && !started) return 'a stream end before the stream header';
      if (e === 'error internal-server-error') return 'internal-server-error from the parser';
      if (i !== events.length - 1) return `events after ${e}`;
    }
  }
  return undefined;
}

/**
 * Whether `b` (read back) is `a` (as parsed), up to what XML itself normalises on reading: the
 * element library writes tab, newline and carriage return in attribute values and carriage
 * return in text as they are, where a reader turns them into a space and a newline (XML 1.0
 * §3.3.3, §2.11). Those characters only get there through character references.
 */
function same(a: Element | string, b: Element | string | undefined): boolean {
  if (typeof a === 'string') return typeof b === 'string' && a.replace(/\r\n?/g, '\n') === b;
  if (b === undefined || typeof b === 'string' || a.name !== b.name) return false;
  const keys = Object.keys(a.attrs);
  if (keys.length !== Object.keys(b.attrs).length) return false;
  for (const k of keys) if (String(a.attrs[k]).replace(/[\t\n\r]/g, ' ') !== b.attrs[k]) return false;
  const kids = a.children.filter((c) => c !== '');
  const back = b.children.filter((c) => c !== '');
  return kids.length === back.length && kids.every((c, i) => same(c, back[i]));
}

/**
 * Where the events on saxes part from ours, if they do in a way that matters: a different header
 * or stanza, or one side going on where the other refused. Both refusing with other conditions,
 * or one still waiting for the end of a tag the other already found wrong, is not a difference.
 */
function againstSaxes(ours: readonly Event[], theirs: readonly Event[]): string | undefined {
  let i = 0;
  while (i < ours.length && i < theirs.length && ours[i] === theirs[i]) i++;
  const a = ours[i];
  const b = theirs[i];
  if (a === undefined || b === undefined) return undefined;
  const refused = (e: string): boolean => e.startsWith('error');
  if (refused(a) && refused(b)) return undefined;
  if (refused(a)) return `refused what saxes accepts: ${a} / ${b.slice(0, 160)}`;
  if (refused(b)) return `accepted what saxes refuses: ${a.slice(0, 160)} / ${b}`;
  return `differs from saxes at #${i}: ${a.slice(0, 160)} / ${b.slice(0, 160)}`;
}

/** A stanza as it would be forwarded must parse back to itself. */
function roundTrip(el: Element): string | undefined {
  const xml = el.toString();
  const back = parse([Buffer.from(`${STREAM_HEADER}${xml}`, 'utf8')], ROOMY);
  if (back.thrown !== undefined || back.stanzas.length !== 1 || !same(el, back.stanzas[0])) {
    return `stanza does not survive serialisation: ${xml.slice(0, 200)} -> ${back.events.at(-1)?.slice(0, 200)}`;
  }
  return undefined;
}

/**
 * The one difference chunking may make: saxes reports some syntax errors (text outside the root)
 * only where a run of text ends, and where that is depends on the chunks; a size limit passed in
 * the same run may then be reported instead. Both end the stream with an error, after the same
 * stanzas.
 */
function sizeOrSyntax(a: readonly Event[], b: readonly Event[]): boolean {
  if (a.length !== b.length || a.slice(0, -1).join('\n') !== b.slice(0, -1).join('\n')) return false;
  const [x, y] = [a.at(-1) ?? '', b.at(-1) ?? ''];
  return x.startsWith('error') && y.startsWith('error') && (x === 'error policy-violation' || y === 'error policy-violation');
}

export function parserIteration(seed: number): ParserVerdict {
  const rng = new Rng(seed);
  const base = rng.pick(PARSER_STREAMS);
  const kind = rng.int(20);
  const pristine = kind === 0;
  const input = pristine ? base : kind === 1 ? rng.bytes(rng.int(600)) : mutate(rng, base, PARSER_STREAMS);
  const limits: StreamParserLimits = pristine ? ROOMY : {
    maxStanzaBytes: rng.pick([128, 512, 4096, 65536]),
    maxDepth: rng.pick([2, 4, 16]),
    maxHeaderBytes: rng.pick([128, 512, 8192]),
  };
  const whole = parse([input], limits);
  const split = parse(chunk(rng, input), limits);
  const last = whole.events.at(-1) ?? '';
  const outcome = last.startsWith('error ') ? last.slice(6) : last === 'end' ? 'end' : 'open';
  const verdict = (problem: string | undefined): ParserVerdict => ({ problem, input, events: whole.events.length, outcome });

  for (const run of [whole, split]) {
    if (run.thrown !== undefined) return verdict(`exception escaped write(): ${String(run.thrown)}`);
    const bad = grammar(run.events);
    if (bad) return verdict(bad);
  }
  if (whole.events.join('\n') !== split.events.join('\n') && !sizeOrSyntax(whole.events, split.events)) {
    const i = whole.events.findIndex((e, n) => e !== split.events[n]);
    return verdict(`chunking changed the events at #${i}: ${whole.events[i]?.slice(0, 120)} / ${split.events[i]?.slice(0, 120)}`);
  }
  for (const el of whole.stanzas) {
    const bad = roundTrip(el);
    if (bad) return verdict(bad);
  }
  if (pristine && whole.events.some((e) => e.startsWith('error'))) return verdict(`an unmutated stream failed: ${whole.events.at(-1)}`);
  const diff = againstSaxes(whole.events, parse([input], limits, onSaxes).events);
  if (diff) return verdict(diff);
  return verdict(undefined);
}
