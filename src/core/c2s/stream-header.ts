// The stream header exchange of a client stream (RFC 6120 §4.7): the checks on the client's
// header, and the header the server answers with.
import { StreamError } from '../../xmpp/errors.js';
import { prepDomain } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import type { StreamHeader } from '../../xmpp/stream-parser.js';
import { escapeXML } from '../../xmpp/xml.js';
import type { Host } from '../host.js';

/**
 * The host a client's stream header opens a stream to. `current` is the host of the stream
 * before a restart, if any. Throws the stream error that refuses the header.
 */
export function headerHost(h: StreamHeader, hosts: ReadonlyMap<string, Host>, current: Host | undefined): Host {
  if (h.defaultNs !== NS.CLIENT) throw new StreamError('invalid-namespace', 'the default namespace must be jabber:client');
  const host = resolveHost(h.attrs.to, hosts);
  if (!host) throw new StreamError('host-unknown', 'this server does not serve that domain');
  if (current && current !== host) throw new StreamError('host-unknown', 'the domain changed on a stream restart');
  return host;
}

/**
 * §4.7.5: a missing version means pre-XMPP 0.9, which is refused. A higher version than 1.0 is
 * answered with 1.0, the lower of the two, and the client decides whether it can go on.
 */
export function checkVersion(h: StreamHeader): void {
  const version = h.attrs.version;
  const major = version === undefined || !/^\d+\.\d+$/.test(version) ? 0 : Number.parseInt(version.split('.')[0] ?? '', 10);
  if (major < 1) throw new StreamError('unsupported-version', 'only XMPP 1.0 is supported');
}

/** Without 'to', a server with one domain takes the stream for it (§4.7.2). */
function resolveHost(to: string | undefined, hosts: ReadonlyMap<string, Host>): Host | undefined {
  if (to === undefined) return hosts.size === 1 ? hosts.values().next().value : undefined;
  try {
    return hosts.get(prepDomain(to));
  } catch {
    return undefined;
  }
}

/** A language tag as BCP 47 shapes it (RFC 5646), kept short. */
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/;

/**
 * RFC 6120 §4.7.4: the language of the client's header, which its stanzas without an
 * 'xml:lang' of their own are in. Undefined when it is ours ('en', the language of the
 * recipients' stream headers, so nothing needs stamping) or not a well-formed tag.
 */
export function headerLang(h: StreamHeader): string | undefined {
  const lang = h.attrs['xml:lang'];
  return lang !== undefined && LANGUAGE_TAG.test(lang) && lang.toLowerCase() !== 'en' ? lang : undefined;
}

/** The server's stream header (§4.7.1); `host` is unknown when a header is refused. */
export function headerText(streamId: string, host: Host | undefined, clientFrom: string | undefined): string {
  const from = host ? ` from='${escapeXML(host.name)}'` : '';
  const to = clientFrom ? ` to='${escapeXML(clientFrom)}'` : '';
  return `<?xml version='1.0'?><stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAMS}' id='${streamId}'${from}${to} version='1.0' xml:lang='en'>`;
}
