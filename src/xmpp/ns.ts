// XML namespaces used across Starling, in one place (architecture guide: conventions).
export const NS = {
  STREAMS: 'http://etherx.jabber.org/streams',
  CLIENT: 'jabber:client',
  SERVER: 'jabber:server',
  STREAM_ERRORS: 'urn:ietf:params:xml:ns:xmpp-streams',
  STANZA_ERRORS: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  TLS: 'urn:ietf:params:xml:ns:xmpp-tls',
  SASL: 'urn:ietf:params:xml:ns:xmpp-sasl',
  BIND: 'urn:ietf:params:xml:ns:xmpp-bind',
  SESSION: 'urn:ietf:params:xml:ns:xmpp-session',
  SASL_CB: 'urn:xmpp:sasl-cb:0',
  DISCO_INFO: 'http://jabber.org/protocol/disco#info',
  DISCO_ITEMS: 'http://jabber.org/protocol/disco#items',
  PING: 'urn:xmpp:ping',
  VERSION: 'jabber:iq:version',
  TIME: 'urn:xmpp:time',
  DATA_FORMS: 'jabber:x:data',
  XML: 'http://www.w3.org/XML/1998/namespace',
} as const;

export type Namespace = (typeof NS)[keyof typeof NS];
