// Tracks which sessions are available and at what priority (RFC 6121 §4.2, §4.7.2.3) from the
// presence a client broadcasts (no 'to'). Runs first, so presence modules see the new state.
import type { Host } from './host.js';
import type { StanzaEvent } from './stanza-events.js';

export const AVAILABILITY_PRIORITY = 1000;

/** Parses <priority/>: an integer from -128 to 127; anything else counts as 0. */
export function parsePriority(text: string | undefined): number {
  if (text === undefined || !/^\s*[-+]?\d{1,3}\s*$/.test(text)) return 0;
  const n = Number.parseInt(text, 10);
  return n >= -128 && n <= 127 ? n : 0;
}

export function installAvailability(host: Host): void {
  host.events.on('presence/bare', (ev: StanzaEvent) => {
    const s = ev.origin;
    if (!s || ev.stanza.attrs.to !== undefined) return;
    const type = ev.stanza.attrs.type as string | undefined;
    if (type === undefined) {
      const initial = !s.available;
      s.available = true;
      s.priority = parsePriority(ev.stanza.getChildText('priority') ?? undefined);
      s.presence = ev.stanza;
      const r = host.events.fire('presence/available', { session: s, initial });
      if (r instanceof Promise) return r.then(() => undefined);
    } else if (type === 'unavailable' && s.available) {
      s.available = false;
      s.presence = undefined;
      const r = host.events.fire('presence/unavailable', { session: s, stanza: ev.stanza });
      if (r instanceof Promise) return r.then(() => undefined);
    }
    return undefined;
  }, AVAILABILITY_PRIORITY);
}
