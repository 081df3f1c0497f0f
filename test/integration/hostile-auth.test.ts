// Authentication and registration against guessing, over real sockets: an unknown account cannot
// be told from a wrong password by anything the server sends (RFC 6120 §6.5.10: both are
// not-authorized), failed-login throttling treats both alike, and in-band registration
// (XEP-0077) throttles probing refusals per address and is not offered where TLS is missing.
// Nothing here measures time: the shapes of the answers are compared.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { ScramClient } from '../support/scram-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const REGISTER = 'jabber:iq:register';

interface Attempt {
  /** server-first-message attributes: name -> value, or the value's length for r= and s=. */
  serverFirst: Record<string, string | number> | undefined;
  salt: string | undefined;
  /** The element that ended the exchange, serialised. */
  outcome: string;
}

/** A SCRAM exchange with `password` over a fresh direct-TLS connection, recording what came back. */
async function scramAttempt(ts: TestServer, ca: string, user: string, password: string, mech: 'SCRAM-SHA-1' | 'SCRAM-SHA-256'): Promise<Attempt> {
  const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
  try {
    await c.open();
    const client = new ScramClient({ hash: mech === 'SCRAM-SHA-1' ? 'sha1' : 'sha256', username: user, password });
    c.write(`<auth xmlns='${SASL}' mechanism='${mech}'>${client.first().toString('base64')}</auth>`);
    const challenge = (await c.next())!;
    if (challenge.name !== 'challenge') return { serverFirst: undefined, salt: undefined, outcome: challenge.toString() };
    const text = Buffer.from(challenge.getText(), 'base64').toString('utf8');
    const serverFirst: Record<string, string | number> = {};
    for (const attr of text.split(',')) {
      const [key, value] = [attr.slice(0, 1), attr.slice(2)];
      serverFirst[key] = key === 'r' || key === 's' ? value.length : value;
    }
    const salt = text.split(',').find((a) => a.startsWith('s='));
    c.write(`<response xmlns='${SASL}'>${(await client.final(Buffer.from(challenge.getText(), 'base64'))).toString('base64')}</response>`);
    return { serverFirst, salt, outcome: (await c.next())!.toString() };
  } finally {
    c.destroy();
  }
}

async function plainAttempt(ts: TestServer, ca: string, user: string, password: string): Promise<string> {
  const c = await RawClient.connect({ port: ts.tlsPort, ca, directTls: true });
  try {
    await c.open();
    c.write(`<auth xmlns='${SASL}' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`);
    return (await c.next())!.toString();
  } finally {
    c.destroy();
  }
}

describe('no account enumeration through SASL (RFC 6120 §6.5.10)', () => {
  let ts: TestServer;
  let ca: string;
  before(async () => {
    ts = await startTestServer();
    ca = await ts.ca();
    await ts.addUser('alice@localhost', 'right-password');
  });
  after(() => ts.stop());

  for (const mech of ['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const) {
    it(`${mech}: an unknown user gets the same challenge shape and the same failure as a wrong password`, async () => {
      const known = await scramAttempt(ts, ca, 'alice', 'wrong-password', mech);
      const unknown = await scramAttempt(ts, ca, 'nobody-here', 'wrong-password', mech);
      assert.ok(known.serverFirst && unknown.serverFirst);
      assert.deepEqual(unknown.serverFirst, known.serverFirst, 'nonce and salt lengths, iterations, XEP-0474 hash');
      assert.equal(unknown.outcome, known.outcome);
      assert.equal(known.outcome, `<failure xmlns="${SASL}"><not-authorized/></failure>`);
      // A real account's salt is stable between attempts; so is the stand-in one.
      const again = await scramAttempt(ts, ca, 'nobody-here', 'other-password', mech);
      assert.equal(again.salt, unknown.salt);
      assert.notEqual(unknown.salt, known.salt);
    });
  }

  it('PLAIN: an unknown user and a wrong password get the same failure', async () => {
    const known = await plainAttempt(ts, ca, 'alice', 'wrong-password');
    const unknown = await plainAttempt(ts, ca, 'nobody-here', 'wrong-password');
    assert.equal(unknown, known);
    assert.equal(known, `<failure xmlns="${SASL}"><not-authorized/></failure>`);
  });
});

describe('failed-login throttling treats unknown accounts like real ones', () => {
  let ts: TestServer;
  let ca: string;
  before(async () => {
    ts = await startTestServer((c) => {
      c.auth.max_failures_per_account = 2;
      c.auth.max_failures_per_address = 1000;
    });
    ca = await ts.ca();
    await ts.addUser('alice@localhost', 'right-password');
  });
  after(() => ts.stop());

  it('after max_failures_per_account, both refuse every attempt alike with temporary-auth-failure (§6.5.12)', async () => {
    for (const user of ['alice', 'ghost']) {
      for (let i = 0; i < 2; i++) {
        assert.match((await scramAttempt(ts, ca, user, `wrong-${i}`, 'SCRAM-SHA-256')).outcome, /not-authorized/);
      }
    }
    const real = await scramAttempt(ts, ca, 'alice', 'right-password', 'SCRAM-SHA-256');
    const ghost = await scramAttempt(ts, ca, 'ghost', 'right-password', 'SCRAM-SHA-256');
    assert.match(real.outcome, /temporary-auth-failure/);
    assert.equal(ghost.outcome, real.outcome);
    assert.equal(await plainAttempt(ts, ca, 'ghost', 'right-password'), await plainAttempt(ts, ca, 'alice', 'right-password'));
  });

  it('while an account is locked, a wrong password and the right one get the same answer (no password oracle, PLAIN too)', async () => {
    const right = await plainAttempt(ts, ca, 'alice', 'right-password');
    assert.match(right, /temporary-auth-failure/);
    assert.equal(await plainAttempt(ts, ca, 'alice', 'still-wrong'), right);
    assert.equal((await scramAttempt(ts, ca, 'alice', 'still-wrong', 'SCRAM-SHA-1')).outcome, right);
  });
});

describe('in-band registration against probing (XEP-0077 §11)', () => {
  let ts: TestServer;
  const cas: Record<string, string> = {};
  const clients: RawClient[] = [];
  const DAY = 86_400_000;

  before(async () => {
    ts = await startTestServer((c) => {
      c.listeners.c2s.starttls_required = false;
      c.modules = { ...c.modules, register: { policy: 'open', throttle: { max_per_address: 0, window: 3600, max_failures_per_address: 3 } } };
      c.hosts['invite.test'] = { tls: {}, modules: { register: { policy: 'invite', throttle: { max_per_address: 0, window: 3600, max_failures_per_address: 2 } } } };
    });
    for (const h of ['localhost', 'invite.test']) cas[h] = await ts.ca(h);
    await ts.addUser('taken@localhost', 'taken-password');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  const overTls = async (domain = 'localhost'): Promise<RawClient> => {
    const c = await RawClient.connect({ port: ts.tlsPort, domain, ca: cas[domain], directTls: true });
    clients.push(c);
    await c.open();
    return c;
  };
  const register = (fields: Record<string, string>): Element =>
    xml('iq', { type: 'set' }, xml('query', { xmlns: REGISTER }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, REGISTER)),
      ...Object.entries(fields).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v))))));

  it('does not offer the register feature on a plaintext stream, and offers it once TLS is in place (§8, §11)', async () => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca: cas.localhost });
    clients.push(c);
    const plain = await c.open();
    assert.ok(plain.getChild('mechanisms'), 'SASL is offered: STARTTLS is not required here');
    assert.equal(plain.getChild('register'), undefined);
    const secured = await c.starttls();
    assert.ok(secured.getChild('register', 'http://jabber.org/features/iq-register'));
  });

  it('after max_failures_per_address taken usernames, refuses every registration with policy-violation (wait)', async () => {
    const c = await overTls();
    for (let i = 0; i < 3; i++) {
      assert.equal(errorCondition(await c.iq(register({ username: 'taken', password: 'some-password' }))), 'conflict');
    }
    const res = await c.iq(register({ username: 'fresh-name', password: 'fresh-password' }));
    assert.equal(errorCondition(res), 'policy-violation');
    assert.equal(res.getChild('error')!.attrs.type, 'wait');
    assert.equal(await ts.server.storage.accounts.get('localhost', 'fresh-name'), undefined);
  });

  it('counts bad invitation tokens the same way, per host; refusals that reveal nothing do not count', async () => {
    await ts.server.storage.invites.create({ token: 'good-token', host: 'invite.test', created: new Date(), expires: new Date(Date.now() + DAY), usesLeft: 5 });
    const c = await overTls('invite.test');
    for (let i = 0; i < 5; i++) {
      assert.equal(errorCondition(await c.iq(register({ username: 'romeo', password: 'short', token: 'good-token' }))), 'not-acceptable');
    }
    for (const token of ['guess-1', 'guess-2']) {
      assert.equal(errorCondition(await c.iq(register({ username: 'romeo', password: 'romeo-password', token }))), 'forbidden');
    }
    const res = await c.iq(register({ username: 'romeo', password: 'romeo-password', token: 'good-token' }));
    assert.equal(errorCondition(res), 'policy-violation');
    assert.equal((await ts.server.storage.invites.get('invite.test', 'good-token'))?.usesLeft, 5);
  });
});
