// RFC 6121 §3.1.5: on approval the contact's server sends the user the 'subscribed' first and
// only then the contact's presence, so the user's roster already says 'to' when it arrives.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('subscription approval order (RFC 6121 §3.1.5)', () => {
  let ts: TestServer;
  const clients: RawClient[] = [];
  before(async () => {
    ts = await startTestServer();
    await ts.addUser('ann@localhost', 'pw-ann');
    await ts.addUser('ben@localhost', 'pw-ben');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await ts.stop();
  });

  it('delivers the subscribed before the contact\'s available presence', async () => {
    const ca = await ts.ca();
    const ann = await RawClient.connect({ port: ts.c2sPort, ca });
    const ben = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(ann, ben);
    await ann.login('ann', 'pw-ann', 'a');
    await ben.login('ben', 'pw-ben', 'b');
    await ann.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    ann.write('<presence/>');
    ben.write('<presence/>');
    ann.send(xml('presence', { to: 'ben@localhost', type: 'subscribe' }));
    await ben.expect((e) => e.name === 'presence' && e.attrs.type === 'subscribe');
    ben.send(xml('presence', { to: 'ann@localhost', type: 'subscribed' }));
    const first = await ann.expect((e) => e.name === 'presence' && e.attrs.from !== undefined && String(e.attrs.from).startsWith('ben@'));
    assert.equal(first.attrs.type, 'subscribed', `got ${first.toString()} first`);
    const next = await ann.expect((e) => e.name === 'presence' && String(e.attrs.from ?? '').startsWith('ben@'));
    assert.equal(next.attrs.type, undefined);
    assert.equal(next.attrs.from, 'ben@localhost/b');
  });
});
