// The harness of the stream parser's tests: a StreamParser whose events are recorded, and
// helpers that feed it input and read what it reported.
import assert from 'node:assert/strict';
import type { StreamError } from '../../src/xmpp/errors.js';
import {
  StreamParser, type StreamHeader, type StreamParserLimits,
} from '../../src/xmpp/stream-parser.js';
import type { Element } from '../../src/xmpp/xml.js';
import { XmlTokenizer } from '../../src/xmpp/xml-tokenizer.js';

export type Event =
  | { type: 'start'; header: StreamHeader }
  | { type: 'stanza'; xml: string; el: Element }
  | { type: 'end' }
  | { type: 'error'; condition: string; text: string | undefined; err: StreamError };

export const LIMITS: StreamParserLimits = { maxStanzaBytes: 65536, maxDepth: 16, maxHeaderBytes: 4096 };

export const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' xml:lang='en'>";

export class Harness {
  readonly events: Event[] = [];
  readonly parser: StreamParser;
  /** Optional hook run inside onStanza (to reset or throw from a handler). */
  onStanza?: (el: Element) => void;

  constructor(limits: Partial<StreamParserLimits> = {}) {
    this.parser = new StreamParser({
      onStreamStart: (header) => this.events.push({ type: 'start', header }),
      onStanza: (el) => {
        this.events.push({ type: 'stanza', xml: el.toString(), el });
        this.onStanza?.(el);
      },
      onStreamEnd: () => this.events.push({ type: 'end' }),
      onError: (err) => this.events.push({ type: 'error', condition: err.condition, text: err.text, err }),
    }, { ...LIMITS, ...limits });
  }

  write(data: string | Buffer): this {
    this.parser.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    return this;
  }

  get stanzas(): Element[] {
    return this.events.flatMap((e) => (e.type === 'stanza' ? [e.el] : []));
  }

  get errors(): Extract<Event, { type: 'error' }>[] {
    return this.events.filter((e): e is Extract<Event, { type: 'error' }> => e.type === 'error');
  }

  /** The one error reported; fails when there is none or more than one. */
  error(): Extract<Event, { type: 'error' }> {
    assert.equal(this.errors.length, 1, `expected exactly one error, got ${JSON.stringify(this.events.map((e) => e.type))}`);
    return this.errors[0]!;
  }
}

export function parse(data: string | Buffer, limits?: Partial<StreamParserLimits>): Harness {
  return new Harness(limits).write(data);
}

export function condition(data: string | Buffer, limits?: Partial<StreamParserLimits>): string {
  return parse(data, limits).error().condition;
}

/** Summary of events that must not depend on how the input was chunked. */
export function summary(h: Harness): string[] {
  return h.events.map((e) => {
    switch (e.type) {
      case 'start': return `start ${JSON.stringify(e.header)}`;
      case 'stanza': return `stanza ${e.xml}`;
      case 'end': return 'end';
      case 'error': return `error ${e.condition}`;
    }
  });
}

/** Counts the UTF-16 code units handed to the XML tokenizer while `fn` runs. */
export function unitsFedToTokenizer(fn: () => void): number {
  const proto = XmlTokenizer.prototype as unknown as { write(chunk: string | null): unknown };
  const original = proto.write;
  let units = 0;
  proto.write = function write(this: unknown, chunk: string | null) {
    units += chunk?.length ?? 0;
    return original.call(this, chunk);
  };
  try {
    fn();
  } finally {
    proto.write = original;
  }
  return units;
}
