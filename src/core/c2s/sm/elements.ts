// The top-level elements of stream management (XEP-0198) the server sends, and the stream error
// for an acknowledgement of more stanzas than were sent (§6). Pure.
import { xml, type Element } from '../../../xmpp/xml.js';
import { NS } from '../../../xmpp/ns.js';
import { StreamError, type StanzaErrorCondition } from '../../../xmpp/errors.js';

/** The stream feature (§2). */
export function smFeature(): Element {
  return xml('sm', { xmlns: NS.SM });
}

/** `<enabled/>` (§3); with an SM-ID, `resume` and the window in seconds when resumable (§5). */
export function enabled(resumable: { id: string; max: number } | undefined): Element {
  if (!resumable) return xml('enabled', { xmlns: NS.SM });
  return xml('enabled', { xmlns: NS.SM, id: resumable.id, resume: 'true', max: String(resumable.max) });
}

/** `<failed/>` with a stanza error condition (§6), and the 'h' of a session that is gone (§5). */
export function failed(condition: StanzaErrorCondition, h?: number): Element {
  const attrs: Record<string, string> = { xmlns: NS.SM };
  if (h !== undefined) attrs.h = String(h);
  return xml('failed', attrs, xml(condition, { xmlns: NS.STANZA_ERRORS }));
}

/** `<resumed/>` (§5): the SM-ID and the count of stanzas handled from the client. */
export function resumed(previd: string, h: number): Element {
  return xml('resumed', { xmlns: NS.SM, previd, h: String(h) });
}

/** `<a h/>` (§4). A number only, so a plain string is safe and costs no element. */
export function ack(h: number): string {
  return `<a xmlns='${NS.SM}' h='${h}'/>`;
}

/**
 * XEP-0198 §6: the client acknowledged more stanzas than it was sent. undefined-condition with
 * the application condition <handled-count-too-high/>, placed after the text as RFC 6120
 * §4.9.4 orders the children of a stream error.
 */
export class HandledCountTooHigh extends StreamError {
  constructor(readonly h: number, readonly sendCount: number) {
    super('undefined-condition', `acknowledged ${h} stanzas, but only ${sendCount} were sent`);
  }

  override toElement(): Element {
    const el = super.toElement();
    el.append(xml('handled-count-too-high', { xmlns: NS.SM, h: String(this.h), 'send-count': String(this.sendCount) }));
    return el;
  }
}
