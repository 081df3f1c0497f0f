// The server side of the TLS handshake over real sockets, for STARTTLS (RFC 6120 §5.4) and direct
// TLS (XEP-0368): the server waits for the client's ClientHello before it sets TLS up, so a hello
// that arrives in pieces, a client that leaves before it, or one that sends no TLS at all must
// all be handled, and large records after a small hello must still get through.
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawClient, failureCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('TLS handshake (RFC 6120 §5.4, XEP-0368)', () => {
  let ts: TestServer;
  let ca: string;
  const clients: RawClient[] = [];
  const connect = async (opts: { directTls?: boolean; helloInPieces?: boolean; alpn?: string[]; session?: Buffer; peerCertificate?: Buffer } = {}): Promise<RawClient> => {
    const c = await RawClient.connect({ port: opts.directTls ? ts.tlsPort : ts.c2sPort, ca, ...opts });
    clients.push(c);
    return c;
  };

  before(async () => {
    ts = await startTestServer();
    ca = await ts.ca();
    await ts.addUser('alice@localhost', 'wonderland');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  /** A SASL <auth/> of `size` bytes and more that is not valid base64: its failure shows that
   *  the server read all of it (RFC 6120 §6.5.4). */
  const largeAuth = (size: number): string =>
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${'A'.repeat(size + 1)}</auth>`;

  it('completes STARTTLS when the ClientHello arrives in pieces, and reads records far larger than it', async () => {
    const c = await connect({ helloInPieces: true });
    await c.open();
    const features = await c.starttls();
    assert.ok(c.mechanisms(features).includes('SCRAM-SHA-256-PLUS'), 'the stream is secure');
    c.write(largeAuth(40_000));
    assert.equal(failureCondition(await c.expect((e) => e.name === 'failure')), 'incorrect-encoding');
    assert.equal(await c.scram(features, 'alice', 'wonderland', 'SCRAM-SHA-256-PLUS'), 'success');
  });

  it('completes a direct TLS handshake whose ClientHello arrives in pieces', async () => {
    const c = await connect({ directTls: true, helloInPieces: true });
    assert.equal(await c.login('alice', 'wonderland', 'direct-pieces'), 'alice@localhost/direct-pieces');
  });

  it('reads a large record right after a direct TLS handshake', async () => {
    const c = await connect({ directTls: true });
    await c.open();
    c.write(largeAuth(40_000));
    assert.equal(failureCondition(await c.expect((e) => e.name === 'failure')), 'incorrect-encoding');
  });

  // A reconnecting client that offers its last session's ticket skips the certificate and the
  // server's signature (RFC 8446 §2.2), the largest part of a TLS login's CPU; the tickets are
  // only good while the server keeps one context per host rather than one per connection.
  it('resumes a session from its ticket over STARTTLS, and binds SCRAM-PLUS to the resumed session', async () => {
    const first = await connect();
    await first.open();
    await first.starttls();
    assert.equal(first.tlsSocket?.isSessionReused(), false);
    const session = first.tlsSocket?.getSession();
    assert.ok(session, 'the server sent a session ticket');
    const peerCertificate = first.tlsSocket?.getPeerCertificate().raw;
    for (const cb of ['tls-exporter', 'tls-server-end-point']) {
      const c = await connect({ session, peerCertificate });
      await c.open();
      const features = await c.starttls();
      assert.equal(c.tlsSocket?.isSessionReused(), true, `resumed (${cb})`);
      assert.ok(c.channelBindingTypes(features).includes(cb), `${cb} offered on a resumed session`);
      assert.equal(await c.scram(features, 'alice', 'wonderland', 'SCRAM-SHA-256-PLUS', cb), 'success', cb);
    }
  });

  it('resumes a direct TLS session from its ticket', async () => {
    const first = await connect({ directTls: true });
    await first.open();
    const session = first.tlsSocket?.getSession();
    assert.ok(session, 'the server sent a session ticket');
    const c = await connect({ directTls: true, session });
    assert.equal(c.tlsSocket?.isSessionReused(), true);
    assert.equal(await c.login('alice', 'wonderland', 'resumed'), 'alice@localhost/resumed');
  });

  it('negotiates no ALPN on STARTTLS, so a client offering other protocols is not refused', async () => {
    const c = await connect({ alpn: ['h2', 'http/1.1'] });
    await c.open();
    const features = await c.starttls();
    assert.equal(c.tlsSocket?.alpnProtocol, false);
    assert.equal(await c.scram(features, 'alice', 'wonderland', 'SCRAM-SHA-256'), 'success');
  });

  it('negotiates ALPN xmpp-client on direct TLS and refuses a client offering only others (XEP-0368, RFC 7301 §3.2)', async () => {
    const c = await connect({ directTls: true });
    assert.equal(c.tlsSocket?.alpnProtocol, 'xmpp-client');
    await assert.rejects(connect({ directTls: true, alpn: ['h2'] }), { code: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' });
  });

  it('closes a connection that leaves after <proceed/> without a ClientHello, and goes on serving', async () => {
    const raw = net.connect({ host: '127.0.0.1', port: ts.c2sPort });
    await new Promise<void>((resolve) => raw.once('connect', resolve));
    let received = '';
    raw.on('data', (d: Buffer) => (received += d.toString()));
    raw.write("<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
    raw.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    for (let i = 0; i < 100 && !received.includes('<proceed'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(received, /<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'\/>/);
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.end();
    await closed;
    const c = await connect();
    assert.match(await c.login('alice', 'wonderland', 'after'), /^alice@localhost\/after$/);
  });

  it('closes a direct TLS connection that does not speak TLS', async () => {
    const raw = net.connect({ host: '127.0.0.1', port: ts.tlsPort });
    await new Promise<void>((resolve) => raw.once('connect', resolve));
    raw.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.write("<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client'>\r\n");
    await closed;
    const c = await connect({ directTls: true });
    assert.equal(await c.login('alice', 'wonderland', 'after-garbage'), 'alice@localhost/after-garbage');
  });
});
