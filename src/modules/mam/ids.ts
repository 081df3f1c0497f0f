// Archive ids (XEP-0313 §3, §6.2; XEP-0359 §3): unique, never reused, unpredictable, and sortable,
// so the archive's order is the order of its ids and a time maps to an id bound. An id is the
// archiving time in milliseconds (8 digits), a counter for ids within one millisecond
// (2 digits) and 66 random bits (11 digits), each digit one of 64 URL-safe characters whose
// ASCII order is their value order. Ids from one generator always grow, even if the clock steps
// back.
import { fillRandom } from '../../core/module-api.js';

/** 64 base64url characters in ASCII order. */
const DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const TIME_DIGITS = 8;
const COUNTER_DIGITS = 2;
const RANDOM_DIGITS = 11;
const MAX_TIME = 64 ** TIME_DIGITS - 1;
const MAX_COUNTER = 64 ** COUNTER_DIGITS - 1;

export const ARCHIVE_ID_LENGTH = TIME_DIGITS + COUNTER_DIGITS + RANDOM_DIGITS;

function digits(value: number, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = DIGITS[v % 64]! + out;
    v = Math.floor(v / 64);
  }
  return out;
}

/**
 * A string that sorts after the ids of messages archived before `ms` and before (or equal to the
 * start of) every id of a message archived at `ms` or later. Times outside the ids' range clamp.
 */
export function timeBound(ms: number): string {
  return digits(Math.min(Math.max(0, Math.floor(ms)), MAX_TIME), TIME_DIGITS);
}

/** The archiving time encoded in an id made here, or undefined for any other string. */
export function idTime(id: string): number | undefined {
  if (id.length !== ARCHIVE_ID_LENGTH) return undefined;
  let ms = 0;
  for (let i = 0; i < TIME_DIGITS; i++) {
    const d = DIGITS.indexOf(id[i]!);
    if (d < 0) return undefined;
    ms = ms * 64 + d;
  }
  return ms;
}

export interface NewId {
  id: string;
  /** The archiving time the id carries (the clock's, or a little later after a step back). */
  at: number;
}

/** The character codes of DIGITS, by value. */
const CODES = Uint8Array.from(DIGITS, (c) => c.charCodeAt(0));

/** Writes `value` as `width` digits into `out` at `at`. */
function writeDigits(out: Uint8Array, at: number, value: number, width: number): void {
  let v = value;
  for (let i = at + width - 1; i >= at; i--) {
    out[i] = CODES[v % 64]!;
    v = Math.floor(v / 64);
  }
}

export class ArchiveIds {
  private last = -1;
  private counter = 0;
  /** The id being built: one string is made from it per id (this runs once per archived message). */
  private readonly scratch = Buffer.alloc(ARCHIVE_ID_LENGTH);

  /** A fresh id for a message archived at `now` (milliseconds since the epoch). */
  next(now: number = Date.now()): NewId {
    if (now > this.last) {
      this.last = Math.min(Math.floor(now), MAX_TIME);
      this.counter = 0;
    } else if (++this.counter > MAX_COUNTER) {
      this.last++;
      this.counter = 0;
    }
    const out = this.scratch;
    writeDigits(out, 0, this.last, TIME_DIGITS);
    writeDigits(out, TIME_DIGITS, this.counter, COUNTER_DIGITS);
    const r = TIME_DIGITS + COUNTER_DIGITS;
    fillRandom(out, r, ARCHIVE_ID_LENGTH);
    for (let i = r; i < ARCHIVE_ID_LENGTH; i++) out[i] = CODES[out[i]! & 63]!;
    return { id: out.toString('latin1'), at: this.last };
  }
}
