// Stream resumption inside a SASL2 login (XEP-0388 §"Success", XEP-0198 §5, XEP-0386 §"Performing
// the bind") over real sockets: a cut connection is resumed in the login's round trip, the bind
// that came with it is ignored; when the resumption fails, <success/> says so and the bind is done.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { sasl2Suite } from '../support/sasl2-suite.js';
import { receivedBeforePing } from '../support/sync.js';
import { NS_BIND2, NS_SM, firstChild, sasl2Scram } from '../support/sasl2-client.js';

const isStanza = (e: Element): boolean => e.name === 'message' || e.name === 'presence' || e.name === 'iq';
const chat = (to: string, body: string): Element => xml('message', { to, type: 'chat' }, xml('body', {}, body));

describe('SASL2 with inline stream resumption (XEP-0388, XEP-0198 §5)', () => {
  const suite = sasl2Suite(['alice', 'bob']);
  const connect = (): ReturnType<typeof suite.connect> => suite.connect();

  it('resumes a cut session in the login round trip: same JID, the bind ignored, what was not acknowledged sent again', async () => {
    const first = await connect();
    const login = await sasl2Scram(first.client, first.features, 'alice', 'pw-alice', {
      bind: { tag: 'Phone', requests: [xml('enable', { xmlns: NS_SM, resume: 'true' })] },
    });
    assert.ok(login.ok);
    const jid = login.success.getChildText('authorization-identifier')!;
    const previd = login.success.getChild('bound', NS_BIND2)!.getChild('enabled', NS_SM)!.attrs.id as string;
    let h = 0;
    first.client.send(xml('presence'));
    const bob = suite.track(await RawClient.connect({ port: suite.ts.c2sPort, ca: suite.ca }));
    await bob.login('bob', 'pw-bob', 'desk');
    for (const b of ['m1', 'm2', 'm3']) bob.send(chat(jid, b));
    await receivedBeforePing(bob);
    const read: string[] = [];
    await first.client.expect((e) => {
      if (isStanza(e)) h++;
      if (e.name === 'message') read.push(e.getChildText('body') ?? '');
      return read.length === 3;
    });
    first.client.destroy();
    await first.client.closed;
    // While alice is away.
    for (const b of ['m4', 'm5']) bob.send(chat(jid, b));
    assert.deepEqual((await receivedBeforePing(bob)).filter((e) => e.name === 'message'), [], 'nothing bounced: the session waits');

    const again = await connect();
    const resumed = await sasl2Scram(again.client, again.features, 'alice', 'pw-alice', {
      bind: { tag: 'Phone' }, children: [xml('resume', { xmlns: NS_SM, previd, h: String(h) })],
    });
    assert.ok(resumed.ok);
    assert.equal(resumed.success.getChildText('authorization-identifier'), jid, 'the resumed session\'s full JID');
    const r = resumed.success.getChild('resumed', NS_SM)!;
    assert.deepEqual([r.attrs.previd, r.attrs.h], [previd, '1'], 'the server handled her presence');
    assert.equal(resumed.success.getChild('bound', NS_BIND2), undefined, 'the bind is ignored after a resumption');
    const afterSuccess = await receivedBeforePing(again.client);
    assert.deepEqual(afterSuccess.filter((e) => e.name === 'stream:features'), [], 'no stream features after a resumption (XEP-0198 §"Inline Stream Resumption")');
    const later = afterSuccess.filter((e) => e.name === 'message').map((e) => e.getChildText('body'));
    assert.deepEqual(later, ['m4', 'm5'], 'exactly what she had not received, in order');
    bob.send(chat(jid, 'm6'));
    await receivedBeforePing(bob);
    assert.deepEqual((await receivedBeforePing(again.client)).filter((e) => e.name === 'message').map((e) => e.getChildText('body')), ['m6']);
  });

  it('a failed resumption is reported in <success/> and the bind is done instead (XEP-0386 §"Performing the bind")', async () => {
    const { client, features } = await connect();
    const result = await sasl2Scram(client, features, 'alice', 'pw-alice', {
      bind: { tag: 'Phone' }, children: [xml('resume', { xmlns: NS_SM, previd: 'no-such-session', h: '0' })],
    });
    assert.ok(result.ok);
    const failed = result.success.getChild('failed', NS_SM);
    assert.equal(firstChild(failed), 'item-not-found');
    assert.ok(result.success.getChild('bound', NS_BIND2));
    assert.match(result.success.getChildText('authorization-identifier')!, /^alice@localhost\/Phone\//);
  });

  it('a resumption of another account\'s session fails like an unknown one, without bind: bare JID, classic bind next', async () => {
    const bobs = await connect();
    const login = await sasl2Scram(bobs.client, bobs.features, 'bob', 'pw-bob', { bind: { requests: [xml('enable', { xmlns: NS_SM, resume: 'true' })] } });
    assert.ok(login.ok);
    const previd = login.success.getChild('bound', NS_BIND2)!.getChild('enabled', NS_SM)!.attrs.id as string;
    const { client, features } = await connect();
    const result = await sasl2Scram(client, features, 'alice', 'pw-alice', { children: [xml('resume', { xmlns: NS_SM, previd, h: '0' })] });
    assert.ok(result.ok);
    assert.equal(firstChild(result.success.getChild('failed', NS_SM)), 'item-not-found');
    assert.equal(result.success.getChildText('authorization-identifier'), 'alice@localhost');
    assert.equal(await client.bind('later'), 'alice@localhost/later');
    assert.deepEqual((await receivedBeforePing(bobs.client)).filter((e) => e.name === 'stream:error'), [], "bob's session is untouched");
  });
});
