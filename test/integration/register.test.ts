// In-band registration before authentication (XEP-0077 §3.1) over real sockets: the per-host
// policy (disabled, open, invite), the stream feature (§8), field checks, conflicts, the
// per-address throttle, TLS, and logging in with the new account.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const REGISTER = 'jabber:iq:register';
const DAY = 86_400_000;

const legacy = (username: string, password: string): Element =>
  xml('query', { xmlns: REGISTER }, xml('username', {}, username), xml('password', {}, password));
const withForm = (fields: Record<string, string>): Element =>
  xml('query', { xmlns: REGISTER }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, REGISTER)),
    ...Object.entries(fields).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v)))));
const set = (query: Element): Element => xml('iq', { type: 'set' }, query);

describe('in-band registration (XEP-0077 §3.1) with per-host policies', () => {
  let ts: TestServer;
  const cas: Record<string, string> = {};
  const clients: RawClient[] = [];
  const created: string[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.modules = { ...c.modules, register: { policy: 'open', min_password_length: 8, throttle: { max_per_address: 0, window: 3600 } } };
      c.hosts['invite.test'] = { tls: {}, modules: { disco: {}, register: { policy: 'invite', throttle: { max_per_address: 0, window: 60, max_failures_per_address: 0 } } } };
      c.hosts['closed.test'] = { tls: {}, modules: { disco: {}, register: {} } };
      c.hosts['busy.test'] = { tls: {}, modules: { register: { policy: 'open', throttle: { max_per_address: 2, window: 3600 } } } };
    });
    for (const h of ['localhost', 'invite.test', 'closed.test', 'busy.test']) cas[h] = await ts.ca(h);
    ts.server.hosts.get('localhost')!.events.on('account/created', (ev) => {
      created.push(`${ev.username}@${ev.host}`);
    });
    await ts.addUser('taken@localhost', 'taken-password');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  /** A connection on `domain` that has done STARTTLS and not authenticated; resolves with its features. */
  const secured = async (domain = 'localhost'): Promise<{ c: RawClient; features: Element }> => {
    const c = await RawClient.connect({ port: ts.c2sPort, domain, ca: cas[domain] });
    clients.push(c);
    await c.open();
    return { c, features: await c.starttls() };
  };
  const canLogin = async (domain: string, username: string, password: string): Promise<boolean> => {
    const c = await RawClient.connect({ port: ts.tlsPort, domain, ca: cas[domain], directTls: true });
    clients.push(c);
    const features = await c.open();
    return (await c.scram(features, username, password, 'SCRAM-SHA-256')) === 'success';
  };

  describe('policy open', () => {
    it('offers the iq-register stream feature after STARTTLS (§8)', async () => {
      const { features } = await secured();
      assert.ok(features.getChild('register', 'http://jabber.org/features/iq-register'));
    });

    it('answers a get with instructions, <username/>, <password/> and a data form (§3.1)', async () => {
      const { c } = await secured();
      const res = await c.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: REGISTER })));
      assert.equal(res.attrs.type, 'result');
      const q = res.getChild('query', REGISTER)!;
      assert.ok(q.getChildText('instructions'));
      assert.ok(q.getChild('username') && q.getChild('password'));
      assert.ok(q.getChild('x', 'jabber:x:data'));
    });

    it('creates the account, announces it, and the client logs in with SCRAM on the same stream (§3.1)', async () => {
      const { c, features } = await secured();
      const res = await c.iq(set(legacy('Romeo', 'montague-123')));
      assert.equal(res.attrs.type, 'result');
      assert.equal(res.getChild('query'), undefined);
      assert.deepEqual(created, ['romeo@localhost'], 'account/created fired with the prepared username');
      assert.equal(await c.scram(features, 'romeo', 'montague-123', 'SCRAM-SHA-256'), 'success');
      await c.open();
      assert.equal(await c.bind('r'), 'romeo@localhost/r');
      // Hashed at auth.scram_iterations (the test server's 4096), as the CLI would.
      assert.equal((await ts.server.storage.accounts.get('localhost', 'romeo'))?.credentials.sha256.iterations, ts.config.auth.scram_iterations);
    });

    it('accepts the data form instead of the fixed fields (§4)', async () => {
      const { c } = await secured();
      const res = await c.iq(set(withForm({ username: 'mercutio', password: 'queen-mab-1' })));
      assert.equal(res.attrs.type, 'result');
      assert.ok(await canLogin('localhost', 'mercutio', 'queen-mab-1'));
    });

    it('refuses a taken username with conflict and keeps the old password (§3.1)', async () => {
      const { c } = await secured();
      const res = await c.iq(set(legacy('TAKEN', 'another-password')));
      assert.equal(errorCondition(res), 'conflict');
      assert.ok(await canLogin('localhost', 'taken', 'taken-password'));
    });

    it('refuses missing fields, an empty or a too short password with not-acceptable (§3.1)', async () => {
      const { c } = await secured();
      for (const q of [
        xml('query', { xmlns: REGISTER }, xml('username', {}, 'tybalt')),
        legacy('tybalt', ''),
        legacy('tybalt', 'short'),
      ]) assert.equal(errorCondition(await c.iq(set(q))), 'not-acceptable', q.toString());
      assert.equal(await canLogin('localhost', 'tybalt', 'short'), false);
    });

    it('refuses a username that is no valid localpart with jid-malformed (RFC 7622 §3.3)', async () => {
      const { c } = await secured();
      assert.equal(errorCondition(await c.iq(set(legacy('a@b', 'long-enough-1')))), 'jid-malformed');
    });

    it('never echoes the submitted password in an error (§3.3)', async () => {
      const { c } = await secured();
      const res = await c.iq(set(legacy('taken', 'secret-echo-check')));
      assert.equal(errorCondition(res), 'conflict');
      assert.equal(res.getChild('query'), undefined);
      assert.doesNotMatch(c.received, /secret-echo-check/);
    });

    it('closes the stream with not-authorized on a registration IQ before the required STARTTLS (RFC 6120 §5.3.1)', async () => {
      const c = await RawClient.connect({ port: ts.c2sPort, ca: cas.localhost });
      clients.push(c);
      const features = await c.open();
      assert.equal(features.getChild('register'), undefined, 'not offered before TLS');
      c.send(xml('iq', { type: 'set', id: 'r1' }, legacy('plaintext', 'plaintext-pw')));
      assert.equal(await c.streamError(), 'not-authorized');
      assert.equal(await canLogin('localhost', 'plaintext', 'plaintext-pw'), false);
    });

    it('closes the stream on any other IQ before authentication (RFC 6120 §6.4)', async () => {
      const { c } = await secured();
      c.send(xml('iq', { type: 'get', id: 'd1', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      assert.equal(await c.streamError(), 'not-authorized');
    });
  });

  describe('policy disabled', () => {
    it('offers no stream feature, answers a get with service-unavailable and a set with not-allowed (§3.1, §8)', async () => {
      const { c, features } = await secured('closed.test');
      assert.equal(features.getChild('register'), undefined);
      assert.equal(errorCondition(await c.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: REGISTER })))), 'service-unavailable');
      assert.equal(errorCondition(await c.iq(set(legacy('juliet', 'balcony-123')))), 'not-allowed');
      assert.equal(await canLogin('closed.test', 'juliet', 'balcony-123'), false);
    });

    it('still lists jabber:iq:register in disco (password change and removal work)', async () => {
      await ts.addUser('nurse@closed.test', 'nurse-password');
      const c = await RawClient.connect({ port: ts.tlsPort, domain: 'closed.test', ca: cas['closed.test'], directTls: true });
      clients.push(c);
      await c.login('nurse', 'nurse-password');
      const info = await c.iq(xml('iq', { type: 'get', to: 'closed.test' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      const features = info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
      assert.ok(features.includes(REGISTER));
    });
  });

  describe('policy invite', () => {
    const invite = (token: string, usesLeft: number, expires = new Date(Date.now() + DAY)): Promise<void> =>
      ts.server.storage.invites.create({ token, host: 'invite.test', created: new Date(), expires, usesLeft });

    it('asks for a token in a data form, with instructions and without the legacy fields (§4, §6)', async () => {
      const { c, features } = await secured('invite.test');
      assert.ok(features.getChild('register', 'http://jabber.org/features/iq-register'));
      const q = (await c.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: REGISTER })))).getChild('query')!;
      assert.equal(q.getChild('username'), undefined);
      const vars = q.getChild('x', 'jabber:x:data')!.getChildren('field').map((f) => f.attrs.var);
      assert.deepEqual(vars, ['FORM_TYPE', 'username', 'password', 'token']);
    });

    it('takes the token before registering, as invitation links ask (XEP-0445): announced, checked, then the plain fields', async () => {
      await invite('link-token', 1);
      const { c, features } = await secured('invite.test');
      assert.ok(features.getChild('register', 'urn:xmpp:ibr-token:0') && features.getChild('register', 'urn:xmpp:invite'));
      const preauth = (token: string): Element => xml('iq', { type: 'set', to: 'invite.test' }, xml('preauth', { xmlns: 'urn:xmpp:pars:0', token }));
      assert.equal(errorCondition(await c.iq(preauth('wrong-token'))), 'item-not-found');
      assert.equal((await c.iq(preauth('link-token'))).attrs.type, 'result');
      const q = (await c.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: REGISTER })))).getChild('query')!;
      assert.ok(q.getChild('username') && q.getChild('password'), 'the plain fields, for clients without data forms');
      assert.equal((await c.iq(set(legacy('rosaline', 'rosaline-pw')))).attrs.type, 'result');
      assert.ok(await canLogin('invite.test', 'rosaline', 'rosaline-pw'));
      assert.equal((await ts.server.storage.invites.get('invite.test', 'link-token'))?.usesLeft, 0);
      const other = await secured('invite.test');
      assert.equal(errorCondition(await other.c.iq(set(legacy('potpan', 'potpan-pw')))), 'not-acceptable', 'the token was this connection\'s');
    });

    it('refuses a registration without a token with not-acceptable (§3.1: required field missing)', async () => {
      const { c } = await secured('invite.test');
      assert.equal(errorCondition(await c.iq(set(legacy('paris', 'county-paris')))), 'not-acceptable');
      assert.equal(errorCondition(await c.iq(set(withForm({ username: 'paris', password: 'county-paris' })))), 'not-acceptable');
    });

    it('refuses an unknown, expired or foreign-host token with forbidden', async () => {
      await invite('expired-token', 1, new Date(Date.now() - 1000));
      await ts.server.storage.invites.create({ token: 'local-token', host: 'localhost', created: new Date(), expires: new Date(Date.now() + DAY), usesLeft: 1 });
      const { c } = await secured('invite.test');
      for (const token of ['no-such-token', 'expired-token', 'local-token']) {
        assert.equal(errorCondition(await c.iq(set(withForm({ username: 'paris', password: 'county-paris', token })))), 'forbidden', token);
      }
      assert.equal(await canLogin('invite.test', 'paris', 'county-paris'), false);
    });

    it('creates accounts while the token has uses left, then refuses it with forbidden', async () => {
      await invite('two-uses', 2);
      const { c } = await secured('invite.test');
      assert.equal((await c.iq(set(withForm({ username: 'benvolio', password: 'benvolio-pw', token: 'two-uses' })))).attrs.type, 'result');
      assert.equal((await c.iq(set(withForm({ username: 'balthasar', password: 'balthasar-pw', token: 'two-uses' })))).attrs.type, 'result');
      assert.equal(errorCondition(await c.iq(set(withForm({ username: 'abraham', password: 'abraham-pw', token: 'two-uses' })))), 'forbidden');
      assert.ok(await canLogin('invite.test', 'benvolio', 'benvolio-pw'));
      assert.ok(await canLogin('invite.test', 'balthasar', 'balthasar-pw'));
      assert.equal((await ts.server.storage.invites.get('invite.test', 'two-uses'))?.usesLeft ?? 0, 0);
    });

    it('does not spend a use on a refused registration (conflict, short password)', async () => {
      await invite('one-use', 1);
      await ts.addUser('capulet@invite.test', 'capulet-pw');
      const { c } = await secured('invite.test');
      assert.equal(errorCondition(await c.iq(set(withForm({ username: 'capulet', password: 'whatever-pw', token: 'one-use' })))), 'conflict');
      assert.equal(errorCondition(await c.iq(set(withForm({ username: 'peter', password: 'short', token: 'one-use' })))), 'not-acceptable');
      assert.equal((await c.iq(set(withForm({ username: 'peter', password: 'peter-password', token: 'one-use' })))).attrs.type, 'result');
    });

    it('lets concurrent registrations with a one-use token create one account only', async () => {
      await invite('race', 1);
      const a = await secured('invite.test');
      const b = await secured('invite.test');
      const [ra, rb] = await Promise.all([
        a.c.iq(set(withForm({ username: 'gregory', password: 'gregory-pw', token: 'race' }))),
        b.c.iq(set(withForm({ username: 'sampson', password: 'sampson-pw', token: 'race' }))),
      ]);
      assert.deepEqual([ra.attrs.type, rb.attrs.type].sort(), ['error', 'result']);
      assert.equal(errorCondition(ra.attrs.type === 'error' ? ra : rb), 'forbidden');
    });
  });

  describe('throttle', () => {
    it('refuses more than max_per_address registrations from one address with policy-violation, type wait (RFC 6120 §8.3.3.12)', async () => {
      const { c } = await secured('busy.test');
      assert.equal(errorCondition(await c.iq(set(legacy('bad', 'x')))), 'not-acceptable', 'failed attempts do not count');
      for (const u of ['one', 'two']) assert.equal((await c.iq(set(legacy(u, `${u}-password`)))).attrs.type, 'result');
      const res = await c.iq(set(legacy('three', 'three-password')));
      assert.equal(errorCondition(res), 'policy-violation');
      assert.equal(res.getChild('error')!.attrs.type, 'wait');
      assert.equal(await canLogin('busy.test', 'three', 'three-password'), false);
    });
  });
});

describe('in-band registration without required STARTTLS (XEP-0077 §11)', () => {
  let ts: TestServer;
  const clients: RawClient[] = [];
  before(async () => {
    ts = await startTestServer((c) => {
      c.listeners.c2s.starttls_required = false;
      c.modules = { ...c.modules, register: { policy: 'open' } };
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  it('refuses registration over an unencrypted stream with not-allowed', async () => {
    const c = await RawClient.connect({ port: ts.c2sPort });
    clients.push(c);
    await c.open();
    assert.equal(errorCondition(await c.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: REGISTER })))), 'not-allowed');
    assert.equal(errorCondition(await c.iq(set(legacy('plain', 'plain-password')))), 'not-allowed');
    assert.equal(await ts.server.storage.accounts.get('localhost', 'plain'), undefined);
  });
});
