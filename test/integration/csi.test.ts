// Client State Indication (XEP-0352) over real sockets: alice's phone says it is inactive; bob
// and carol send it presence and chat states, which wait (a contact's latest presence only)
// until something urgent comes, the phone is active again, too many wait, or the stream ends.
// The test server keeps at most MAX_HELD stanzas per inactive client.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { receivedBeforePing, receivedUntil } from '../support/sync.js';

const CSI = 'urn:xmpp:csi:0';
const CHATSTATES = 'http://jabber.org/protocol/chatstates';
const MAX_HELD = 3;
const PHONE = 'alice@localhost/phone';

const status = (text: string, to = PHONE): Element => xml('presence', { to }, xml('status', {}, text));
const chatState = (state: string, to = PHONE): Element => xml('message', { to, type: 'chat' }, xml(state, { xmlns: CHATSTATES }));
const body = (text: string, to = PHONE): Element => xml('message', { to, type: 'chat' }, xml('body', {}, text));

/** A short name per stanza, to compare sequences: 'bob:one' for presence, 'paused', 'msg:hi'. */
function label(el: Element): string {
  if (el.name === 'presence') {
    const type = el.attrs.type as string | undefined;
    return `${(el.attrs.from as string).split('@')[0]}:${type ?? el.getChildText('status') ?? ''}`;
  }
  if (el.name === 'message') {
    const text = el.getChildText('body');
    if (text !== null && text !== undefined) return `msg:${text}`;
    const carbon = el.getChild('received', 'urn:xmpp:carbons:2')?.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message');
    if (carbon) return `carbon(${label(carbon)})`;
    const state = el.children.find((c): c is Element => typeof c !== 'string');
    return state?.name ?? 'empty';
  }
  return el.name;
}

describe('client state indication (XEP-0352)', () => {
  let ts: TestServer;
  let ca: string;
  const clients: RawClient[] = [];
  let bob: RawClient;
  let carol: RawClient;

  async function connect(): Promise<RawClient> {
    const client = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(client);
    return client;
  }

  async function login(user: string, resource: string): Promise<RawClient> {
    const client = await connect();
    await client.login(user, `pw-${user}`, resource);
    return client;
  }

  /** A fresh phone session for alice, available and inactive. */
  async function inactivePhone(): Promise<RawClient> {
    const phone = await login('alice', 'phone');
    phone.send(xml('presence'));
    await receivedBeforePing(phone);
    phone.send(xml('inactive', { xmlns: CSI }));
    return phone;
  }

  /** Sends from bob and waits until the server handled it. */
  async function fromBob(...stanzas: Element[]): Promise<void> {
    for (const s of stanzas) bob.send(s);
    await receivedBeforePing(bob);
  }

  before(async () => {
    ts = await startTestServer((c) => {
      c.modules = { ...c.modules, csi: { max_held: MAX_HELD } };
    });
    ca = await ts.ca();
    for (const u of ['alice', 'bob', 'carol']) await ts.addUser(`${u}@localhost`, `pw-${u}`);
    bob = await login('bob', 'desk');
    carol = await login('carol', 'desk');
  });
  afterEach(async () => {
    // Each test has a phone of its own; the replaced one is closed by the server (conflict).
    await receivedBeforePing(bob);
  });
  after(async () => {
    await Promise.all(clients.map((x) => x.close()));
    await ts.stop();
  });

  it('offers <csi/> after authentication only (§3.1)', async () => {
    const client = await connect();
    let features = await client.open();
    assert.equal(features.getChild('csi', CSI), undefined);
    features = await client.starttls();
    assert.equal(features.getChild('csi', CSI), undefined);
    assert.equal(await client.scram(features, 'alice', 'pw-alice', 'SCRAM-SHA-256'), 'success');
    features = await client.open();
    assert.ok(features.getChild('csi', CSI));
    await client.close();
  });

  it('keeps presence back while inactive, each contact\'s latest only, and sends it before an IQ answer (§3.2)', async () => {
    const phone = await inactivePhone();
    await fromBob(status('one'));
    carol.send(status('one'));
    await receivedBeforePing(carol);
    await fromBob(status('two'));
    assert.deepEqual((await receivedBeforePing(phone)).map(label), ['carol:one', 'bob:two']);
  });

  it('sends what it kept, in order, before a message with a body (§3.2)', async () => {
    const phone = await inactivePhone();
    await fromBob(status('one'), chatState('composing'), status('two'), chatState('paused'));
    bob.send(body('hello'));
    const got = await receivedUntil(phone, (e) => e.name === 'message' && e.getChildText('body') === 'hello');
    assert.deepEqual(got.map(label), ['composing', 'bob:two', 'paused', 'msg:hello']);
  });

  it('sends what it kept before a subscription request, which is urgent', async () => {
    const phone = await inactivePhone();
    await fromBob(status('one'), status('two'));
    bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
    const got = await receivedUntil(phone, (e) => e.name === 'presence' && e.attrs.type === 'subscribe');
    assert.deepEqual(got.map(label), ['bob:two', 'bob:subscribe']);
  });

  it('sends what it kept on <active/> before anything else, then keeps nothing back (§3.2, §5.1)', async () => {
    const phone = await inactivePhone();
    await fromBob(status('one'), chatState('composing'), status('two'));
    phone.send(xml('active', { xmlns: CSI }));
    assert.deepEqual((await receivedUntil(phone, (e) => label(e) === 'bob:two')).map(label), ['composing', 'bob:two']);
    await fromBob(status('three'), status('four'));
    assert.deepEqual((await receivedUntil(phone, (e) => label(e) === 'bob:four')).map(label), ['bob:three', 'bob:four']);
  });

  it(`sends everything kept once more than ${MAX_HELD} wait`, async () => {
    const phone = await inactivePhone();
    await fromBob(status('one'), chatState('composing'), chatState('paused'), chatState('active'));
    const flushed = await receivedUntil(phone, (e) => label(e) === 'active');
    assert.deepEqual(flushed.map(label), ['bob:one', 'composing', 'paused', 'active']);
    // Keeping starts over: this presence waits again, and replaces nothing already sent.
    await fromBob(status('two'), status('three'));
    assert.deepEqual((await receivedBeforePing(phone)).map(label), ['bob:three']);
  });

  it('treats a carbon copy as urgent as the message it carries (XEP-0280)', async () => {
    const phone = await inactivePhone();
    const laptop = await login('alice', 'laptop');
    assert.equal((await phone.iq(xml('iq', { type: 'set' }, xml('enable', { xmlns: 'urn:xmpp:carbons:2' })))).attrs.type, 'result');
    await receivedBeforePing(phone);
    const toLaptop = 'alice@localhost/laptop';
    await fromBob(status('one'), chatState('composing', toLaptop), status('two'));
    bob.send(body('hi', toLaptop));
    const got = await receivedUntil(phone, (e) => label(e) === 'carbon(msg:hi)');
    assert.deepEqual(got.map(label), ['carbon(composing)', 'bob:two', 'carbon(msg:hi)']);
    await laptop.close();
  });

  it('sends what it kept before the stream closes', async () => {
    const phone = await inactivePhone();
    await fromBob(status('one'), chatState('gone'), status('two'));
    phone.write('</stream:stream>');
    const got = await receivedUntil(phone, (e) => e.name === 'stream-end');
    assert.deepEqual(got.map(label), ['gone', 'bob:two', 'stream-end']);
  });

  it('closes the stream on an element of the csi namespace it does not know', async () => {
    const phone = await login('alice', 'phone');
    phone.send(xml('sleepy', { xmlns: CSI }));
    assert.equal(await phone.streamError(), 'unsupported-stanza-type');
  });
});
