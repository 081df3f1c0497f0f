// Avatars in their two homes, pure: the vCard PHOTO (XEP-0054, XEP-0153: TYPE and base64
// BINVAL, advertised by the SHA-1 of the image in hex) and the PEP nodes of XEP-0084 (the image
// as <data/> and its <metadata/> with one <info/> per format, item ids the SHA-1 in hex).
import { createHash } from 'node:crypto';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';

export interface Photo {
  /** Content type, e.g. image/png (may be empty when the vCard gives none). */
  type: string;
  /** The image, base64 without whitespace. */
  base64: string;
  /** SHA-1 of the image bytes, lower-case hex (XEP-0153 §3.1, XEP-0084 §4.2 'id'). */
  id: string;
  bytes: number;
}

/** The base64 text with whitespace removed, or undefined when it is not base64 (RFC 4648 §4). */
function cleanBase64(text: string): string | undefined {
  const b64 = text.replace(/\s+/g, '');
  return b64 !== '' && /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && b64.length % 4 === 0 ? b64 : undefined;
}

export function photoFromBase64(type: string, text: string): Photo | undefined {
  const base64 = cleanBase64(text);
  if (!base64) return undefined;
  const image = Buffer.from(base64, 'base64');
  return { type, base64, id: createHash('sha1').update(image).digest('hex'), bytes: image.length };
}

/** The image of a vCard's PHOTO (BINVAL; an EXTVAL link is no image of ours). */
export function photoOf(vcard: Element | undefined): Photo | undefined {
  const photo = vcard?.getChild('PHOTO', NS.VCARD);
  const binval = photo?.getChildText('BINVAL');
  if (!photo || !binval) return undefined;
  return photoFromBase64(photo.getChildText('TYPE') ?? '', binval);
}

/** A copy of the vCard with PHOTO replaced by `photo` (or removed when it is undefined). */
export function withPhoto(vcard: Element | undefined, photo: Photo | undefined): Element {
  const out = xml('vCard', { xmlns: NS.VCARD });
  for (const c of vcard?.children ?? []) {
    if (typeof c !== 'string' && c.getName() === 'PHOTO') continue;
    out.append(c);
  }
  if (photo) {
    const el = xml('PHOTO', {});
    if (photo.type) el.append(xml('TYPE', {}, photo.type));
    el.append(xml('BINVAL', {}, photo.base64));
    out.append(el);
  }
  return out;
}

/**
 * The <info/> of a XEP-0084 metadata payload that names data in the data node: the first
 * without a 'url' (XEP-0398 §3.1); undefined for empty metadata (avatar disabled, §4.5).
 */
export function storedInfo(metadata: Element): { id: string; type: string } | undefined {
  const info = metadata.getChildren('info', NS.AVATAR_METADATA).find((i) => i.attrs.url === undefined && typeof i.attrs.id === 'string');
  return info ? { id: info.attrs.id as string, type: (info.attrs.type as string | undefined) ?? '' } : undefined;
}

/** The image text of a XEP-0084 <data/> payload. */
export function dataText(data: Element): string | undefined {
  return data.name === 'data' && data.getNS() === NS.AVATAR_DATA ? data.getText() : undefined;
}

export const dataPayload = (photo: Photo): Element => xml('data', { xmlns: NS.AVATAR_DATA }, photo.base64);

/** XEP-0398 §3.2: one <info/> for the image, with the vCard's type. */
export function metadataPayload(photo: Photo): Element {
  return xml('metadata', { xmlns: NS.AVATAR_METADATA }, xml('info', { bytes: String(photo.bytes), id: photo.id, type: photo.type || 'image/png' }));
}
