// Several virtual hosts in one process: SNI picks each host's certificate, accounts are per
// host, per-host module lists apply, and stanzas route between local hosts.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('virtual hosts (RFC 6120 §13.7.2.1 SNI, per-host modules)', () => {
  let ts: TestServer;
  let caLocal: string;
  let caOther: string;
  const clients: RawClient[] = [];

  before(async () => {
    ts = await startTestServer((c) => {
      c.hosts['example.test'] = { tls: {}, modules: { disco: {}, ping: {} } };
    });
    caLocal = await ts.ca('localhost');
    caOther = await ts.ca('example.test');
    await ts.addUser('alice@localhost', 'pw-local');
    await ts.addUser('alice@example.test', 'pw-other');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  after(() => ts.stop());

  const connect = async (domain: string, ca: string, directTls: boolean): Promise<RawClient> => {
    const c = await RawClient.connect({ port: directTls ? ts.tlsPort : ts.c2sPort, domain, ca, directTls });
    clients.push(c);
    return c;
  };

  it('serves each host its own certificate by SNI, on direct TLS and after STARTTLS', async () => {
    const direct = await connect('example.test', caOther, true);
    assert.equal(direct.tlsSocket?.authorized, true);
    assert.match(String(direct.tlsSocket!.getPeerCertificate().subject.CN), /example\.test/);
    const upgraded = await connect('example.test', caOther, false);
    await upgraded.open();
    await upgraded.starttls();
    assert.equal(upgraded.tlsSocket?.authorized, true);
    assert.equal(upgraded.header?.from, 'example.test');
  });

  it('keeps accounts apart: the same username has its own password on each host', async () => {
    const a = await connect('example.test', caOther, true);
    assert.equal(await a.login('alice', 'pw-other', 'r'), 'alice@example.test/r');
    const b = await connect('localhost', caLocal, true);
    const f = await b.open();
    assert.equal(await b.scram(f, 'alice', 'pw-other', 'SCRAM-SHA-256'), 'not-authorized');
  });

  it('applies per-host module lists: example.test has no version module', async () => {
    const c = await connect('example.test', caOther, true);
    await c.login('alice', 'pw-other', 'v');
    const res = await c.iq(xml('iq', { type: 'get', to: 'example.test' }, xml('query', { xmlns: 'jabber:iq:version' })));
    assert.equal(errorCondition(res), 'service-unavailable');
    const local = await c.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'jabber:iq:version' })));
    assert.equal(local.attrs.type, 'result');
  });

  it('routes messages between local hosts', async () => {
    const a = await connect('localhost', caLocal, true);
    await a.login('alice', 'pw-local', 'one');
    const b = await connect('example.test', caOther, true);
    await b.login('alice', 'pw-other', 'two');
    a.send(xml('message', { to: 'alice@example.test/two', id: 'x' }, xml('body', {}, 'across')));
    const m = await b.expect((e) => e.name === 'message');
    assert.equal(m.attrs.from, 'alice@localhost/one');
  });
});
