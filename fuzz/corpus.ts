// Valid XMPP input the fuzzers start from: whole client streams for the parser, and stanzas a
// logged-in client may send (RFC 6120, RFC 6121 and the XEPs the server implements) for the
// server. Nothing here changes an account's credentials, so the fuzz account keeps working.

export const STREAM_HEADER =
  "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xml:lang='en' " +
  "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

const PARSER_STANZAS = [
  "<message to='juliet@localhost/balcony' type='chat' id='m1' xml:lang='en'><body>Wherefore art thou, 😀 &amp; &lt;3</body>" +
    "<active xmlns='http://jabber.org/protocol/chatstates'/></message>",
  "<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver=''/></iq>",
  "<iq type='set' id='r2'><query xmlns='jabber:iq:roster'><item jid='nurse@localhost' name='Nurse'><group>Friends</group></item></query></iq>",
  '<presence><show>away</show><status>gone &#x1F600; &#233;</status><priority>5</priority></presence>',
  "<iq type='set' id='v1'><vCard xmlns='vcard-temp'><FN>Juliet</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO></vCard></iq>",
  "<message xmlns:x='urn:example:x' x:attr='1'><x:payload x:id='2'>text<![CDATA[<not markup>]]></x:payload></message>",
  "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='romeo@montague.example'/></block></iq>",
  "<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>",
  "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
  "<message><x xmlns='jabber:x:data' type='submit'><field var='a'><value>1</value><value>2</value></field></x></message>",
  '   \n  ',
];

/** Whole client streams: a header, some stanzas, and usually the closing tag. */
export const PARSER_STREAMS: readonly Buffer[] = [
  STREAM_HEADER + PARSER_STANZAS.join('') + '</stream:stream>',
  STREAM_HEADER + PARSER_STANZAS.slice(0, 4).join(' \n'),
  STREAM_HEADER + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
  STREAM_HEADER + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>biwsbj1qdWxpZXQscj1hYmM=</auth>",
  STREAM_HEADER.replace("<?xml version='1.0'?>", '') + PARSER_STANZAS.slice(4).join('') + '</stream:stream>',
  "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' to='localhost'>" +
    "<message><body xml:lang='de'>Grüße</body></message></stream:stream>",
].map((s) => Buffer.from(s, 'utf8'));

/** Stanzas for a bound client `self` (full JID) next to a bystander `other` (full JID). */
export function clientStanzas(self: string, other: string): string[] {
  const otherBare = other.split('/')[0]!;
  const selfBare = self.split('/')[0]!;
  return [
    `<message to='${other}' type='chat' id='c1'><body>hello 😀 &amp; bye</body></message>`,
    `<message to='${otherBare}' id='c2'><body>to the bare JID</body><store xmlns='urn:xmpp:hints'/></message>`,
    "<message to='nobody@localhost' id='c3'><body>offline</body></message>",
    "<message to='someone@remote.example' id='c4'><body>far away</body></message>",
    `<message to='${self}' type='headline' id='c5'><subject>self</subject></message>`,
    '<presence/>',
    "<presence><show>dnd</show><status>busy</status><priority>-1</priority></presence>",
    `<presence to='${otherBare}' type='subscribe'/>`,
    `<presence to='${other}'/>`,
    "<presence type='unavailable'/>",
    "<iq type='get' id='q1'><query xmlns='jabber:iq:roster'/></iq>",
    `<iq type='set' id='q2'><query xmlns='jabber:iq:roster'><item jid='${otherBare}' name='B'><group>G</group></item></query></iq>`,
    "<iq type='set' id='q3'><query xmlns='jabber:iq:roster'><item jid='gone@localhost' subscription='remove'/></query></iq>",
    "<iq type='get' id='q4' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    `<iq type='get' id='q5' to='${otherBare}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
    "<iq type='get' id='q6' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>",
    "<iq type='get' id='q7' to='localhost'><query xmlns='jabber:iq:version'/></iq>",
    "<iq type='get' id='q8' to='localhost'><time xmlns='urn:xmpp:time'/></iq>",
    `<iq type='get' id='q9' to='${otherBare}'><query xmlns='jabber:iq:last'/></iq>`,
    "<iq type='set' id='q10'><vCard xmlns='vcard-temp'><FN>Fuzz</FN><NICKNAME>fz</NICKNAME></vCard></iq>",
    `<iq type='get' id='q11' to='${otherBare}'><vCard xmlns='vcard-temp'/></iq>`,
    "<iq type='set' id='q12'><query xmlns='jabber:iq:private'><prefs xmlns='urn:example:prefs'><a b='c'/></prefs></query></iq>",
    "<iq type='get' id='q13'><query xmlns='jabber:iq:private'><prefs xmlns='urn:example:prefs'/></query></iq>",
    "<iq type='get' id='q14'><blocklist xmlns='urn:xmpp:blocking'/></iq>",
    "<iq type='set' id='q15'><block xmlns='urn:xmpp:blocking'><item jid='spam.example'/></block></iq>",
    "<iq type='set' id='q16'><unblock xmlns='urn:xmpp:blocking'/></iq>",
    `<iq type='get' id='q17' to='${other}'><ping xmlns='urn:xmpp:ping'/></iq>`,
    "<iq type='get' id='q18' to='localhost'><unknown xmlns='urn:example:unknown'/></iq>",
    `<iq type='result' id='q19' to='${other}'/>`,
    `<iq type='get' id='q20' to='${selfBare}'><query xmlns='jabber:iq:roster'/></iq>`,
    "<iq type='set' id='q21'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>",
    ' ',
  ];
}

/** Whole pre-authentication streams (no TLS, so little is allowed: the errors are the point). */
export const PREAUTH_STREAMS: readonly string[] = [
  STREAM_HEADER + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
  STREAM_HEADER + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGZ1enoAd3Jvbmc=</auth>",
  STREAM_HEADER + "<iq type='get' id='g1'><query xmlns='jabber:iq:register'/></iq>",
  STREAM_HEADER + '<presence/></stream:stream>',
  STREAM_HEADER + '  </stream:stream>',
];
