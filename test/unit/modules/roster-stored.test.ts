// Stored subscription requests (RFC 6121 §3.1.3) read back with the server's own parser.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { parseStored as readStoredStanza } from '../../../src/xmpp/stored.js';

describe('roster: stored subscription requests (RFC 6121 §3.1.3)', () => {
  it('reads back a stored request with its children', () => {
    const stored = xml('presence', { xmlns: 'jabber:client', type: 'subscribe', from: 'a@example.com', to: 'b@example.com', id: 'x' },
      xml('status', {}, 'Hi <there> & welcome'), xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Al')).toString();
    const el = readStoredStanza(stored)!;
    assert.equal(el.name, 'presence');
    assert.deepEqual([el.attrs.type, el.attrs.from, el.attrs.to, el.attrs.id], ['subscribe', 'a@example.com', 'b@example.com', 'x']);
    assert.equal(el.getChildText('status'), 'Hi <there> & welcome');
    assert.equal(el.getChild('nick', 'http://jabber.org/protocol/nick')?.getText(), 'Al');
  });

  it('refuses text that is not exactly one well-formed stanza', () => {
    for (const bad of ['', 'not xml', '<presence>', "<presence/><presence/>", '<!DOCTYPE x><presence/>', '<presence><!-- c --></presence>']) {
      assert.equal(readStoredStanza(bad), undefined, bad);
    }
  });
});
