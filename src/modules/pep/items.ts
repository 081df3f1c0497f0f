// The XML of items and event notifications (XEP-0060 §7.1, §7.2, §8.4, §8.5; XEP-0163 §4.3).
// Pure.
import { randomUUID } from 'node:crypto';
import type { PubsubItem } from '../../storage/types.js';
import { NS } from '../../xmpp/ns.js';
import { parseStored, standalone } from '../../xmpp/stored.js';
import { elementChildren as elements, xml, type Element } from '../../xmpp/xml.js';
import { ID_MAX } from './options.js';
import { pubsubError } from './errors.js';

export interface Publication {
  /** The item id the publisher chose, if any (§7.1.1). */
  id: string | undefined;
  payload: Element;
}


/** The item of a <publish/> (§7.1.1, §7.1.3.5-§7.1.3.6); throws the error the XEP names. */
export function readPublication(publish: Element, maxBytes: number): Publication {
  const items = elements(publish);
  if (items.length === 0 || items[0]!.name !== 'item') throw pubsubError('bad-request', 'item-required', 'publish one <item/>');
  // Batch publishing was removed from XEP-0060 (version 1.13): one item per request.
  if (items.length > 1) throw pubsubError('bad-request', 'invalid-payload', 'publish one item per request');
  const item = items[0]!;
  const id = item.attrs.id as string | undefined;
  if (id !== undefined && (id === '' || Buffer.byteLength(id, 'utf8') > ID_MAX)) throw pubsubError('not-acceptable', undefined, `item ids are 1 to ${ID_MAX} bytes long`);
  const payloads = elements(item);
  // §7.1.3.6: the nodes deliver payloads, so an item carries exactly one.
  if (payloads.length === 0) throw pubsubError('bad-request', 'payload-required', 'the item needs a payload');
  if (payloads.length > 1) throw pubsubError('bad-request', 'invalid-payload', 'an item carries exactly one payload element');
  const payload = standalone(payloads[0]!);
  if (Buffer.byteLength(payload.toString(), 'utf8') > maxBytes) throw pubsubError('not-acceptable', 'payload-too-big', `payloads are at most ${maxBytes} bytes`);
  return { id, payload };
}

/** The payload of a stored item, read back with the server's parser. */
export function storedPayload(item: PubsubItem): Element | undefined {
  return item.payload === '' ? undefined : parseStored(item.payload);
}

/** <item id='...'>payload</item>, without the payload when it is not to be delivered (§7.1.2.2). */
export function itemElement(id: string, payload: Element | undefined): Element {
  const el = xml('item', { id });
  if (payload) el.append(payload);
  return el;
}

/** What one notification says: items published, items retracted, a purge or a deletion. */
export type EventContent =
  | { kind: 'items'; items: Element[] }
  | { kind: 'retract'; ids: readonly string[] }
  | { kind: 'purge' }
  | { kind: 'delete' };

/** The <event/> child of a notification for a node. */
export function eventElement(node: string, content: EventContent): Element {
  const event = xml('event', { xmlns: NS.PUBSUB_EVENT });
  switch (content.kind) {
    case 'items':
      event.append(xml('items', { node }, ...content.items));
      break;
    case 'retract':
      event.append(xml('items', { node }, ...content.ids.map((id) => xml('retract', { id }))));
      break;
    case 'purge':
      event.append(xml('purge', { node }));
      break;
    case 'delete':
      event.append(xml('delete', { node }));
      break;
  }
  return event;
}

export interface Envelope {
  /** The owner's bare JID: notifications come from it (XEP-0163 §4.3.1). */
  from: string;
  to: string;
  /** XEP-0033 replyto with the publishing resource, for contacts with a presence subscription (§4.3.3). */
  replyTo?: string | undefined;
  /** XEP-0203 stamp of an item sent later than published (§6.1.7). */
  delayed?: Date | undefined;
}

/** A notification message: type headline, a unique id (§12.3), the event, then extensions. */
export function notification(env: Envelope, event: Element): Element {
  const msg = xml('message', { from: env.from, to: env.to, type: 'headline', id: randomUUID() }, event);
  if (env.replyTo) msg.append(xml('addresses', { xmlns: NS.ADDRESS }, xml('address', { type: 'replyto', jid: env.replyTo })));
  if (env.delayed) msg.append(xml('delay', { xmlns: NS.DELAY, from: env.from, stamp: env.delayed.toISOString() }));
  return msg;
}
