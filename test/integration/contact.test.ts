// Contact addresses (XEP-0157) in the server's disco#info over real sockets: the serverinfo form
// (XEP-0128) when configured, none otherwise, and none on accounts or nodes.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type ConfigChange, type TestServer } from '../support/server.js';

const info = (to: string): Element => xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
const forms = (res: Element): Element[] => res.getChild('query')!.getChildren('x', 'jabber:x:data');

async function withServer(change: ConfigChange, fn: (client: RawClient) => Promise<void>): Promise<void> {
  const ts: TestServer = await startTestServer(change);
  const client = await RawClient.connect({ port: ts.c2sPort, ca: await ts.ca() });
  try {
    await ts.addUser('alice@localhost', 'pw-alice');
    await client.login('alice', 'pw-alice', 'home');
    await fn(client);
  } finally {
    client.destroy();
    await ts.stop();
  }
}

describe('contact addresses (XEP-0157)', () => {
  it('shows the configured addresses as a serverinfo form in the server\'s disco#info (§3, XEP-0128)', () =>
    withServer((c) => {
      c.modules = { ...c.modules, disco: { contact: { abuse: ['mailto:abuse@localhost', 'xmpp:abuse@localhost'], status: ['https://status.localhost'] } } };
    }, async (alice) => {
      const [form, ...more] = forms(await alice.iq(info('localhost')));
      assert.ok(form);
      assert.equal(more.length, 0);
      assert.equal(form.attrs.type, 'result');
      const fields = new Map(form.getChildren('field').map((f) => [f.attrs.var as string, f.getChildren('value').map((v) => v.getText())]));
      assert.deepEqual([...fields.keys()], ['FORM_TYPE', 'abuse-addresses', 'status-addresses']);
      assert.deepEqual(fields.get('FORM_TYPE'), ['http://jabber.org/network/serverinfo']);
      assert.deepEqual(fields.get('abuse-addresses'), ['mailto:abuse@localhost', 'xmpp:abuse@localhost']);
      assert.deepEqual(fields.get('status-addresses'), ['https://status.localhost']);
      // Only the server's info carries it, not an account's.
      assert.equal(forms(await alice.iq(info('alice@localhost'))).length, 0);
    }));

  it('shows no form when no contact address is configured, as by default (§3)', () =>
    withServer(() => undefined, async (alice) => {
      assert.equal(forms(await alice.iq(info('localhost'))).length, 0);
    }));
});
