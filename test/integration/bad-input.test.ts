// Bad input gets the specified stream error (RFC 6120 §4.9.3) and the server keeps serving
// everyone else.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const HEADER = (attrs: string): string => `<?xml version='1.0'?><stream:stream ${attrs}>`;
const GOOD = "to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";

describe('bad input over real sockets (RFC 6120 §4.9.3)', () => {
  let ts: TestServer;
  let ca: string;
  let bystander: RawClient;
  const clients: RawClient[] = [];
  const connect = async (): Promise<RawClient> => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(c);
    return c;
  };
  const rawStream = async (header: string): Promise<RawClient> => {
    const c = await connect();
    c.write(header);
    return c;
  };

  before(async () => {
    ts = await startTestServer((c) => {
      c.limits.max_stanza_bytes = 4096;
    });
    ca = await ts.ca();
    await ts.addUser('carol@localhost', 'secret-carol');
    bystander = await RawClient.connect({ port: ts.c2sPort, ca });
    await bystander.login('carol', 'secret-carol', 'bystander');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    // Whatever the last test sent, a logged-in client is still served.
    const pong = await bystander.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    assert.equal(pong.attrs.type, 'result');
  });
  after(async () => {
    bystander.destroy();
    await ts.stop();
  });

  it('host-unknown for a domain the server does not serve (§4.9.3.6)', async () => {
    const c = await rawStream(HEADER("to='example.org' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"));
    assert.equal(await c.streamError(), 'host-unknown');
    await c.closed;
  });

  it('invalid-namespace for a content namespace other than jabber:client (§4.9.3.10)', async () => {
    const c = await rawStream(HEADER("to='localhost' version='1.0' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"));
    assert.equal(await c.streamError(), 'invalid-namespace');
  });

  it('invalid-namespace for a wrong stream namespace (§4.8.1)', async () => {
    const c = await rawStream(HEADER("to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='urn:example:wrong'"));
    assert.equal(await c.streamError(), 'invalid-namespace');
  });

  it('unsupported-version without a version attribute (§4.7.5)', async () => {
    const c = await rawStream(HEADER("to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"));
    assert.equal(await c.streamError(), 'unsupported-version');
  });

  it('a higher version is answered with 1.0, the lower of the two, and the stream goes on (§4.7.5)', async () => {
    const c = await rawStream(HEADER("to='localhost' version='2.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"));
    await c.expect((e) => e.name === 'stream:features');
    assert.equal(c.header?.version, '1.0');
  });

  it('unsupported-version for a version that is not MAJOR.MINOR (§4.7.5)', async () => {
    const c = await rawStream(HEADER("to='localhost' version='one' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"));
    assert.equal(await c.streamError(), 'unsupported-version');
  });

  it('not-well-formed for mismatched tags (§4.9.3.13)', async () => {
    const c = await rawStream(HEADER(GOOD));
    await c.expect((e) => e.name === 'stream:features');
    c.write('<iq><a></b></iq>');
    assert.equal(await c.streamError(), 'not-well-formed');
    await c.closed;
  });

  it('restricted-xml for a DOCTYPE with entity declarations (§11.1)', async () => {
    const c = await connect();
    c.write(`<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>`);
    c.write(HEADER(GOOD));
    assert.equal(await c.streamError(), 'restricted-xml');
  });

  it('policy-violation for a stanza over max_stanza_bytes (§13.12)', async () => {
    const c = await rawStream(HEADER(GOOD));
    await c.expect((e) => e.name === 'stream:features');
    c.write(`<message to='carol@localhost'><body>${'x'.repeat(8000)}</body></message>`);
    assert.equal(await c.streamError(), 'policy-violation');
    await c.closed;
  });

  it('not-authorized for a stanza sent before authentication (§6.4)', async () => {
    const c = await rawStream(HEADER(GOOD));
    await c.expect((e) => e.name === 'stream:features');
    c.write("<message to='carol@localhost'><body>hi</body></message>");
    assert.equal(await c.streamError(), 'not-authorized');
    await c.closed;
  });

  it('not-authorized for a stanza after SASL but before resource binding (§7.1)', async () => {
    const c = await connect();
    await c.open();
    const f = await c.starttls();
    assert.equal(await c.scram(f, 'carol', 'secret-carol', 'SCRAM-SHA-256'), 'success');
    await c.open();
    c.write("<message to='carol@localhost'><body>hi</body></message>");
    assert.equal(await c.streamError(), 'not-authorized');
  });

  it('invalid-from for a spoofed from address (§4.9.3.9, §8.1.2.1)', async () => {
    await ts.addUser('mallory@localhost', 'secret-mallory');
    const c = await connect();
    await c.login('mallory', 'secret-mallory', 'x');
    c.write("<message from='carol@localhost/bystander' to='carol@localhost'><body>spoof</body></message>");
    assert.equal(await c.streamError(), 'invalid-from');
  });

  it('unsupported-stanza-type for an unknown top-level element (§4.9.3.21)', async () => {
    await ts.addUser('dave@localhost', 'secret-dave');
    const c = await connect();
    await c.login('dave', 'secret-dave', 'x');
    c.write("<foo xmlns='jabber:client'/>");
    assert.equal(await c.streamError(), 'unsupported-stanza-type');
  });

  it('closes cleanly when the client closes its stream (§4.4)', async () => {
    const c = await rawStream(HEADER(GOOD));
    await c.expect((e) => e.name === 'stream:features');
    c.write('</stream:stream>');
    assert.equal((await c.next())?.name, 'stream-end', 'the server closes its stream too, with nothing before it');
    await c.closed;
    assert.doesNotMatch(c.received, /stream:error/);
  });
});

describe('timeouts and keepalives (RFC 6120 §4.6)', () => {
  let ts: TestServer;
  let ca: string;
  before(async () => {
    ts = await startTestServer((c) => {
      c.limits.unauthenticated_timeout = 1;
      c.limits.keepalive_interval = 1;
    });
    ca = await ts.ca();
    await ts.addUser('erin@localhost', 'secret-erin');
  });
  after(() => ts.stop());

  it('closes a connection that does not authenticate in time with connection-timeout (§4.9.3.4)', async () => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    await c.open();
    assert.equal(await c.streamError(3000), 'connection-timeout');
    await c.closed;
  });

  it('sends whitespace keepalives on a quiet authenticated stream (§4.6.1)', async () => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    await c.login('erin', 'secret-erin', 'idle');
    const before = c.received.length;
    await new Promise((r) => setTimeout(r, 2200));
    assert.ok(!c.isClosed, 'an authenticated session outlives the negotiation timeout');
    // Everything read since is whitespace only (TLS-decrypted text).
    const since = c.received.slice(before);
    assert.ok(since.length >= 1 && /^\s+$/.test(since), `expected whitespace, got ${JSON.stringify(since)}`);
    c.destroy();
  });
});
