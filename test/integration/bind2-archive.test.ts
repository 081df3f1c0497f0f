// Bind 2 and the archive (XEP-0386 §"Performing the bind"): a client binding with Bind 2 gets
// the archive's metadata in <bound/> and no offline messages the archive holds (it fetches them
// from the archive); stored messages the archive does not hold are still delivered. A classic
// bind keeps getting every offline message.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { sasl2Suite } from '../support/sasl2-suite.js';
import { receivedBeforePing } from '../support/sync.js';
import { NS_BIND2, NS_SM, sasl2Scram } from '../support/sasl2-client.js';

const MAM = 'urn:xmpp:mam:2';
const SID = 'urn:xmpp:sid:0';

describe('Bind 2 with the archive: metadata in <bound/>, archived offline messages left to MAM (XEP-0386)', () => {
  // Archive batches that wait a whole second: bob binds while alice's messages are still in the
  // archive's write-behind buffer, so the check must flush it first.
  const suite = sasl2Suite(['alice', 'bob', 'carol', 'dora'], (c) => {
    c.modules = { ...c.modules, mam: { write_batch: 10_000, write_delay_ms: 1000 } };
    c.stream_management.resume_timeout = 60;
  });
  const raw = async (user: string): Promise<RawClient> => {
    const c = suite.track(await RawClient.connect({ port: suite.ts.c2sPort, ca: suite.ca }));
    await c.login(user, `pw-${user}`);
    return c;
  };
  const bodies = (els: Element[]): string[] => els.filter((e) => e.name === 'message').map((e) => e.getChildText('body') ?? '');

  it('sends the metadata, drops the archived offline messages and delivers the unarchived one', async () => {
    // bob's archive never keeps carol's messages (XEP-0441), so hers is only in offline storage.
    const setup = await raw('bob');
    const prefs = await setup.iq(xml('iq', { type: 'set', id: 'p1' }, xml('prefs', { xmlns: MAM, default: 'always' },
      xml('always'), xml('never', {}, xml('jid', {}, 'carol@localhost')))));
    assert.equal(prefs.attrs.type, 'result', prefs.toString());
    await setup.close();

    const alice = await raw('alice');
    const carol = await raw('carol');
    alice.send(xml('message', { to: 'bob@localhost', type: 'chat', id: 'a1' }, xml('body', {}, 'archived one')));
    alice.send(xml('message', { to: 'bob@localhost', type: 'chat', id: 'a2' }, xml('body', {}, 'archived two')));
    carol.send(xml('message', { to: 'bob@localhost', type: 'chat', id: 'c1' }, xml('body', {}, 'not archived')));
    await receivedBeforePing(alice);
    await receivedBeforePing(carol);

    const { client, features } = await suite.connect();
    const result = await sasl2Scram(client, features, 'bob', 'pw-bob', { bind: { tag: 'Phone' } });
    assert.ok(result.ok);
    const metadata = result.success.getChild('bound', NS_BIND2)!.getChild('metadata', MAM);
    assert.ok(metadata, 'archive metadata in <bound/>');
    const end = metadata.getChild('end')!;
    assert.ok(end.attrs.id && end.attrs.timestamp);

    client.send(xml('presence'));
    const got = await receivedBeforePing(client);
    assert.deepEqual(bodies(got), ['not archived'], 'only the message the archive does not hold');

    // The archived ones are in the archive, the newest being the <end/> of the metadata.
    client.send(xml('iq', { type: 'set', id: 'q1' }, xml('query', { xmlns: MAM, queryid: 'q' })));
    const results = await receivedBeforePing(client);
    const archived = results.filter((e) => e.name === 'message' && e.getChild('result', MAM));
    const inner = archived.map((e) => e.getChild('result', MAM)!.getChild('forwarded')!.getChild('message')!);
    assert.deepEqual(inner.map((m) => m.getChildText('body')), ['archived one', 'archived two']);
    assert.equal(archived[archived.length - 1]!.getChild('result', MAM)!.attrs.id, end.attrs.id);
  });

  it('what the session it replaces never acknowledged is left to the archive too, not delivered after the bind', async () => {
    const ua = 'c0ffee00-0000-4000-8000-000000000001';
    const first = await suite.connect();
    const login = await sasl2Scram(first.client, first.features, 'dora', 'pw-dora', {
      userAgentId: ua, bind: { tag: 'Phone', requests: [xml('enable', { xmlns: NS_SM, resume: 'true' })] },
    });
    assert.ok(login.ok);
    first.client.send(xml('presence'));
    await receivedBeforePing(first.client);
    const alice = await raw('alice');
    alice.send(xml('message', { to: 'dora@localhost', type: 'chat', id: 'u1' }, xml('body', {}, 'never acknowledged')));
    await receivedBeforePing(alice);
    await first.client.expect((e) => e.name === 'message');
    // The connection drops without an acknowledgement; the session waits to be resumed.
    first.client.destroy();
    await first.client.closed;
    const { client, features } = await suite.connect();
    const again = await sasl2Scram(client, features, 'dora', 'pw-dora', { userAgentId: ua, bind: { tag: 'Phone' } });
    assert.ok(again.ok);
    const end = again.success.getChild('bound', NS_BIND2)!.getChild('metadata', MAM)!.getChild('end')!;
    assert.ok(end.attrs.id, 'the archive has it: the client fetches it from there');
    client.send(xml('presence'));
    assert.deepEqual(bodies(await receivedBeforePing(client)), [], 'not a second time after the bind');
    assert.equal(await suite.ts.server.storage.offline.count('localhost', 'dora'), 0);
  });

  it('a classic bind still gets every offline message, archived or not', async () => {
    const alice = await raw('alice');
    alice.send(xml('message', { to: 'carol@localhost', type: 'chat', id: 'x1' }, xml('body', {}, 'for carol')));
    await receivedBeforePing(alice);
    const carol = suite.track(await RawClient.connect({ port: suite.ts.c2sPort, ca: suite.ca }));
    await carol.login('carol', 'pw-carol', 'classic');
    carol.send(xml('presence'));
    const got = await receivedBeforePing(carol);
    const msg = got.find((e) => e.name === 'message');
    assert.equal(msg?.getChildText('body'), 'for carol');
    assert.ok(msg?.getChild('stanza-id', SID), 'with the archive id');
  });
});
