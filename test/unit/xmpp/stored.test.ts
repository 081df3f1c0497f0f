// Stored XML fragments (XEP-0054 storage, and the same helper in XEP-0049): an element cut from a
// stanza keeps the namespaces it inherited, and stored text is read back with the stream
// parser's restrictions (RFC 6120 §11.1).
import assert from 'node:assert/strict';
import { parseStored as parseOrUndefined, standalone } from '../../../src/xmpp/stored.js';

const parseStored = (text: string) => {
  const el = parseOrUndefined(text);
  if (!el) throw new Error('stored XML is not readable');
  return el;
};

/** The payload of an IQ as the server sees it: parsed, with parents. */
const payloadOf = (iq: string) => parseStored(iq).getChildElements()[0]!;

describe('modules/vcard fragment', () => {
  it('declares on the copy the default namespace and prefixes inherited from the stanza', () => {
    const payload = payloadOf("<iq xmlns='jabber:client' xmlns:x='urn:example:x' type='set'><vCard xmlns='vcard-temp'><FN>A</FN><x:EXT x:a='1'>t</x:EXT></vCard></iq>");
    const text = standalone(payload).toString();
    const back = parseStored(text);
    assert.equal(back.getNS(), 'vcard-temp');
    const ext = back.getChild('EXT', 'urn:example:x');
    assert.ok(ext, text);
    assert.equal(ext.attrs['x:a'], '1');
    assert.equal(back.getChildText('FN'), 'A');
  });

  it('declares the inherited default namespace on a prefixed root, for its unprefixed children', () => {
    const payload = payloadOf("<iq xmlns='jabber:client' xmlns:p='urn:example:p'><p:root><child/></p:root></iq>");
    const back = parseStored(standalone(payload).toString());
    assert.equal(back.getNS(), 'urn:example:p');
    assert.equal(back.getChildElements()[0]!.getNS(), 'jabber:client');
  });

  it('does not change the element it copies', () => {
    const payload = payloadOf("<iq xmlns='jabber:client' xmlns:x='urn:example:x'><x:a/></iq>");
    standalone(payload);
    assert.deepEqual(payload.attrs, {});
  });

  it('refuses stored text that is not one well-formed, unrestricted element', () => {
    assert.throws(() => parseStored('<a xmlns="urn:x">'), /not readable/);
    assert.throws(() => parseStored('<!DOCTYPE a><a/>'), /not readable/);
    assert.throws(() => parseStored('<a xmlns="urn:x">&ent;</a>'), /not readable/);
    assert.throws(() => parseStored('plain text'), /not readable/);
  });

});
