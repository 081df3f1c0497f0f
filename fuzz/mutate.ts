// Mutations of valid XMPP input for fuzzing: bit flips, bytes that matter to XML and UTF-8,
// truncations, deletions, repeats, splices from other inputs and inserted XML tokens; and random
// chunking, since the parser must not care where the network cut the input.
import type { Rng } from './rng.js';

/** Bytes with a meaning to XML or UTF-8: markup, quotes, control characters, lead and bad bytes. */
const BYTES = [
  0x00, 0x01, 0x08, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x22, 0x26, 0x27, 0x2f, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e,
  0x3f, 0x5d, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xfe, 0xff,
];

/** Fragments that exercise the parser's rules (RFC 6120 §11: restricted XML, namespaces, limits). */
const TOKENS = [
  '<', '>', '/>', '</', '&', '&amp;', '&lt;', '&#0;', '&#x1;', '&#9;', '&#10;', '&#13;', '&#xD800;', '&#x10FFFF;',
  '&#1114112;', '&lol;', ';', '"', "'", '=', ':', 'xmlns', " xmlns=''", " xmlns:p='urn:x'", 'p:', 'xml:', ' xml:lang="x"',
  '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', "<?xml version='1.0'?>", '<!DOCTYPE x>', '<!ENTITY a "b">',
  '</stream:stream>', "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", '<stream:features/>',
  '\u0000', '\u0001', '\uFFFE', '\uFFFF', '😀', 'é', '你', '\r\n', ' ', '\t', '<message>', '</message>',
  "<iq type='get' id='x'>", '</iq>', '<a>'.repeat(40), '</a>'.repeat(40), 'x'.repeat(5000), ' a="1"', " b='2'",
];

type Mutation = (rng: Rng, input: Buffer, others: readonly Buffer[]) => Buffer;

const at = (rng: Rng, input: Buffer): number => rng.int(input.length + 1);

const MUTATIONS: Mutation[] = [
  // flip one bit
  (rng, input) => {
    if (input.length === 0) return input;
    const out = Buffer.from(input);
    out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  // overwrite a byte with one that matters
  (rng, input) => {
    if (input.length === 0) return input;
    const out = Buffer.from(input);
    out[rng.int(out.length)] = rng.pick(BYTES);
    return out;
  },
  // truncate
  (rng, input) => input.subarray(0, at(rng, input)),
  // delete a range
  (rng, input) => {
    const from = at(rng, input);
    const to = Math.min(input.length, from + rng.range(1, 64));
    return Buffer.concat([input.subarray(0, from), input.subarray(to)]);
  },
  // repeat a range
  (rng, input) => {
    const from = at(rng, input);
    const part = input.subarray(from, Math.min(input.length, from + rng.range(1, 48)));
    const copies = new Array<Buffer>(rng.range(1, 20)).fill(part);
    return Buffer.concat([input.subarray(0, from), ...copies, input.subarray(from)]);
  },
  // insert a token
  (rng, input) => {
    const pos = at(rng, input);
    return Buffer.concat([input.subarray(0, pos), Buffer.from(rng.pick(TOKENS), 'utf8'), input.subarray(pos)]);
  },
  // splice in a piece of another input
  (rng, input, others) => {
    const other = rng.pick(others);
    const from = at(rng, other);
    const piece = other.subarray(from, Math.min(other.length, from + rng.range(1, 200)));
    const pos = at(rng, input);
    return Buffer.concat([input.subarray(0, pos), piece, input.subarray(pos)]);
  },
  // overwrite a range with random bytes
  (rng, input) => {
    const pos = at(rng, input);
    const noise = rng.bytes(rng.range(1, 16));
    return Buffer.concat([input.subarray(0, pos), noise, input.subarray(Math.min(input.length, pos + noise.length))]);
  },
];

/** One to four mutations of `input`; `others` are inputs to splice from. */
export function mutate(rng: Rng, input: Buffer, others: readonly Buffer[]): Buffer {
  let out = input;
  const rounds = rng.range(1, 4);
  for (let i = 0; i < rounds; i++) out = rng.pick(MUTATIONS)(rng, out, others);
  return out;
}

/** Cuts `input` into chunks as a network might: often tiny, sometimes large, sometimes whole. */
export function chunk(rng: Rng, input: Buffer): Buffer[] {
  if (input.length === 0 || rng.chance(0.1)) return [input];
  const out: Buffer[] = [];
  const small = rng.chance(0.5);
  for (let i = 0; i < input.length;) {
    const size = small ? rng.range(1, 8) : rng.range(1, 512);
    out.push(input.subarray(i, i + size));
    i += size;
  }
  return out;
}
