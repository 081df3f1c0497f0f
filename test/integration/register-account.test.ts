// XEP-0077 for logged-in accounts over real sockets: what is on file (§3.1), password change
// (§3.3) and cancellation (§3.2), whatever the registration policy (here: disabled).
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const REGISTER = 'jabber:iq:register';
const query = (...children: Element[]): Element => xml('query', { xmlns: REGISTER }, ...children);
const passwordChange = (password: string, username?: string): Element =>
  xml('iq', { type: 'set', to: 'localhost' }, query(...(username === undefined ? [] : [xml('username', {}, username)]), xml('password', {}, password)));

describe('registration of a logged-in account (XEP-0077 §3.2, §3.3)', () => {
  let ts: TestServer;
  let ca: string;
  const clients: RawClient[] = [];
  const deleted: string[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.modules = { ...c.modules, register: { min_password_length: 8 } };
    });
    ca = await ts.ca();
    ts.server.hosts.get('localhost')!.events.on('account/deleted', (ev) => {
      deleted.push(`${ev.username}@${ev.host}`);
    });
    for (const u of ['juliet', 'romeo', 'tybalt', 'friar']) await ts.addUser(`${u}@localhost`, `${u}-password`);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  const session = async (user: string, password: string, resource?: string): Promise<RawClient> => {
    const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
    clients.push(c);
    await c.login(user, password, resource);
    return c;
  };
  const canLogin = async (user: string, password: string): Promise<boolean> => {
    const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
    clients.push(c);
    return (await c.scram(await c.open(), user, password, 'SCRAM-SHA-256')) === 'success';
  };

  it('answers a get with <registered/> and the username, to the host and without a to (§3.1)', async () => {
    const c = await session('juliet', 'juliet-password');
    for (const attrs of [{ type: 'get', to: 'localhost' }, { type: 'get' }]) {
      const res = await c.iq(xml('iq', attrs, query()));
      assert.equal(res.attrs.type, 'result');
      const q = res.getChild('query', REGISTER)!;
      assert.ok(q.getChild('registered'));
      assert.equal(q.getChildText('username'), 'juliet');
    }
  });

  it("refuses another account's bare JID with service-unavailable", async () => {
    const c = await session('juliet', 'juliet-password');
    const res = await c.iq(xml('iq', { type: 'get', to: 'romeo@localhost' }, query()));
    assert.equal(errorCondition(res), 'service-unavailable');
  });

  it('changes the password; the new one logs in, the old one no longer (§3.3)', async () => {
    const c = await session('romeo', 'romeo-password');
    const res = await c.iq(passwordChange('wherefore-art-thou', 'romeo'));
    assert.equal(res.attrs.type, 'result');
    assert.ok(await canLogin('romeo', 'wherefore-art-thou'));
    assert.equal(await canLogin('romeo', 'romeo-password'), false);
    const again = await c.iq(xml('iq', { type: 'set' }, query(xml('password', {}, 'romeo-password'))));
    assert.equal(again.attrs.type, 'result', 'without username and to, it is the own account');
    assert.ok(await canLogin('romeo', 'romeo-password'));
  });

  it("a password change ends the account's other sessions with <reset/> (RFC 6120 §4.9.3.16); the changing one goes on", async () => {
    await ts.addUser('benvolio@localhost', 'benvolio-password');
    const a = await session('benvolio', 'benvolio-password', 'phone');
    const b = await session('benvolio', 'benvolio-password', 'lost-laptop');
    const other = await session('juliet', 'juliet-password', 'bystander');
    assert.equal((await a.iq(passwordChange('keep-the-peace'))).attrs.type, 'result');
    assert.equal(await b.streamError(), 'reset');
    await b.closed;
    for (const c of [a, other]) {
      const ping = await c.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      assert.equal(ping.attrs.type, 'result', 'the changing session and other accounts keep theirs');
    }
    assert.ok(await canLogin('benvolio', 'keep-the-peace'));
  });

  it('accepts the change-password data form with a bare JID as username (§3.3 form)', async () => {
    const c = await session('friar', 'friar-password');
    const form = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'jabber:iq:register:changepassword')),
      xml('field', { var: 'username' }, xml('value', {}, 'friar@localhost')),
      xml('field', { var: 'password' }, xml('value', {}, 'laurence-cell')));
    assert.equal((await c.iq(xml('iq', { type: 'set', to: 'localhost' }, query(form)))).attrs.type, 'result');
    assert.ok(await canLogin('friar', 'laurence-cell'));
  });

  it("refuses another account's username with forbidden, an empty password with bad-request, a short one with not-acceptable, without echoing it (§3.3)", async () => {
    const c = await session('tybalt', 'tybalt-password');
    assert.equal(errorCondition(await c.iq(passwordChange('prince-of-cats', 'juliet'))), 'forbidden');
    assert.equal(errorCondition(await c.iq(passwordChange('', 'tybalt'))), 'bad-request');
    const short = await c.iq(passwordChange('cats', 'tybalt'));
    assert.equal(errorCondition(short), 'not-acceptable');
    assert.equal(short.getChild('query'), undefined, 'the error does not carry the request');
    assert.doesNotMatch(c.received, /prince-of-cats/);
    assert.ok(await canLogin('tybalt', 'tybalt-password'), 'the password is unchanged');
    assert.ok(await canLogin('juliet', 'juliet-password'));
  });

  it('refuses <remove/> beside other children with bad-request and keeps the account (§3.2)', async () => {
    const c = await session('tybalt', 'tybalt-password');
    const res = await c.iq(xml('iq', { type: 'set' }, query(xml('remove'), xml('username', {}, 'tybalt'))));
    assert.equal(errorCondition(res), 'bad-request');
    assert.ok(await canLogin('tybalt', 'tybalt-password'));
  });

  it('removes the account: result, then not-authorized on every session of it, and no more login (§3.2)', async () => {
    await ts.addUser('mercutio@localhost', 'mercutio-password');
    const a = await session('mercutio', 'mercutio-password', 'one');
    const b = await session('mercutio', 'mercutio-password', 'two');
    const other = await session('juliet', 'juliet-password', 'stays');
    const res = await a.iq(xml('iq', { type: 'set', id: 'unreg1' }, query(xml('remove'))));
    assert.equal(res.attrs.type, 'result');
    assert.equal(await a.streamError(), 'not-authorized');
    assert.equal(await b.streamError(), 'not-authorized');
    await Promise.all([a.closed, b.closed]);
    assert.deepEqual(deleted, ['mercutio@localhost']);
    assert.equal(await ts.server.storage.accounts.get('localhost', 'mercutio'), undefined);
    assert.equal(await canLogin('mercutio', 'mercutio-password'), false);
    const ping = await other.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    assert.equal(ping.attrs.type, 'result', 'other accounts keep their sessions');
  });

  it('cancels the account\'s presence subscriptions first: contacts see it go and keep no subscription (§3.2)', async () => {
    await ts.addUser('balthasar@localhost', 'balthasar-password');
    await ts.addUser('abram@localhost', 'abram-password');
    const both = (owner: string, contact: string) =>
      ts.server.storage.roster.setItem('localhost', owner, { jid: `${contact}@localhost`, subscription: 'both', ask: false, approved: false, groups: [] });
    await both('balthasar', 'abram');
    await both('abram', 'balthasar');
    const abram = await session('abram', 'abram-password', 'cell');
    await abram.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    abram.send(xml('presence'));
    const gone = await session('balthasar', 'balthasar-password', 'street');
    gone.send(xml('presence'));
    await abram.expect((e) => e.name === 'presence' && e.attrs.from === 'balthasar@localhost/street' && e.attrs.type === undefined);
    assert.equal((await gone.iq(xml('iq', { type: 'set' }, query(xml('remove'))))).attrs.type, 'result');
    // In this order: the cancellation, then the presence it ends (RFC 6121 §3.2.2).
    for (const type of ['unsubscribe', 'unsubscribed', 'unavailable']) {
      await abram.expect((e) => e.name === 'presence' && (e.attrs.from as string).startsWith('balthasar@localhost') && e.attrs.type === type);
    }
    const item = (await ts.server.storage.roster.get('localhost', 'abram')).items.find((i) => i.jid === 'balthasar@localhost');
    assert.equal(item?.subscription, 'none', 'abram no longer has a subscription either way');
  });

  it('withdraws the pre-approvals contacts gave the account: a new account of the same name has to ask (RFC 6121 §3.4)', async () => {
    await ts.addUser('sampson@localhost', 'sampson-password');
    await ts.addUser('gregory@localhost', 'gregory-password');
    const sampson = await session('sampson', 'sampson-password', 'square');
    sampson.send(xml('presence'));
    // Approved before gregory ever asks (§3.4.1).
    sampson.send(xml('presence', { to: 'gregory@localhost', type: 'subscribed' }));
    const approved = async (): Promise<boolean | undefined> => (await ts.server.storage.roster.getItem('localhost', 'sampson', 'gregory@localhost'))?.approved;
    for (let i = 0; i < 100 && (await approved()) !== true; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await approved(), true, 'the pre-approval is stored');
    const old = await session('gregory', 'gregory-password', 'street');
    assert.equal((await old.iq(xml('iq', { type: 'set' }, query(xml('remove'))))).attrs.type, 'result');
    for (let i = 0; i < 100 && (await approved()) !== false; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await approved(), false, 'withdrawn with the account');
    await ts.addUser('gregory@localhost', 'new-gregory-password');
    const fresh = await session('gregory', 'new-gregory-password', 'new');
    fresh.send(xml('presence', { to: 'sampson@localhost', type: 'subscribe' }));
    // sampson is asked, not answered for.
    await sampson.expect((e) => e.name === 'presence' && e.attrs.from === 'gregory@localhost' && e.attrs.type === 'subscribe');
  });

  it('advertises no iq-register stream feature while the policy is disabled (§8)', async () => {
    const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
    clients.push(c);
    const features = await c.open();
    assert.equal(features.getChild('register'), undefined);
  });
});
