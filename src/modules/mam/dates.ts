// XEP-0082 DateTime, as the 'start' and 'end' fields of a MAM query carry it (XEP-0313 §4.1.2):
// CCYY-MM-DDThh:mm:ss[.sss]TZD, TZD being Z or ±hh:mm. Pure.

const DATETIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Date.UTC without its mapping of years 0-99 to 1900-1999. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

function daysIn(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0)).getUTCDate();
}

/**
 * Milliseconds since the epoch, with the fraction of a millisecond when the text gives one
 * (so 'start' can round up and 'end' down), or undefined when `text` is not an XEP-0082 DateTime.
 */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  // A leap second (60) is valid ISO 8601; it is read as the first instant of the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offset = 0;
  const tz = m[8]!;
  if (tz !== 'Z') {
    const h = Number(tz.slice(1, 3));
    const min = Number(tz.slice(4, 6));
    if (h > 23 || min > 59) return undefined;
    offset = (tz[0] === '-' ? -1 : 1) * (h * 60 + min) * 60_000;
  }
  const fraction = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  return utc(year, month, day, hour, minute, second) - offset + fraction;
}

/** XEP-0082 DateTime in UTC with milliseconds, as delay stamps and archive metadata carry it. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString();
}
