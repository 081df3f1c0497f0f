// Resource limits over real sockets (RFC 6120 §13.12): XEP-0478 stream limits in the features,
// connections per address, resources per account (§7.6.2.1), read pacing that pauses instead
// of dropping, and the negotiation timeout against a client that trickles bytes.
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { C2sStream } from '../../src/core/c2s/stream.js';
import { RawClient, errorCondition } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { ping, until, within } from '../support/hostile.js';

const LIMITS_NS = 'urn:xmpp:stream-limits:0';

function limitsOf(features: Element): { maxBytes: string | null; idle: string | null } | undefined {
  const l = features.getChild('limits', LIMITS_NS);
  return l && { maxBytes: l.getChildText('max-bytes'), idle: l.getChildText('idle-seconds') };
}

describe('resource limits over real sockets (RFC 6120 §13.12)', () => {
  const clients: RawClient[] = [];
  let ts: TestServer;
  let ca: string;
  const connect = async (): Promise<RawClient> => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  describe('stream limits advertisement (XEP-0478)', () => {
    before(async () => {
      ts = await startTestServer((c) => {
        c.limits.max_stanza_bytes = 65536;
        c.limits.idle_timeout = 300;
      });
      ca = await ts.ca();
      await ts.addUser('amy@localhost', 'secret-amy');
    });
    after(() => ts.stop());

    it('announces max-bytes and idle-seconds before TLS, after TLS and after authentication (§2)', async () => {
      const c = await connect();
      const first = await c.open();
      const secured = await c.starttls();
      assert.equal(await c.scram(secured, 'amy', 'secret-amy', 'SCRAM-SHA-256'), 'success');
      const bound = await c.open();
      for (const features of [first, secured, bound]) assert.deepEqual(limitsOf(features), { maxBytes: '65536', idle: '300' });
      assert.ok(first.getChild('starttls')?.getChild('required'), 'STARTTLS is still the only feature to negotiate');
      assert.equal(first.getChild('mechanisms'), undefined);
    });

    it('leaves out idle-seconds when streams are never closed for silence', async () => {
      const quiet = await startTestServer((c) => {
        c.limits.max_stanza_bytes = 4096;
        c.limits.idle_timeout = 0;
      });
      try {
        const c = await RawClient.connect({ port: quiet.c2sPort, ca: await quiet.ca() });
        clients.push(c);
        assert.deepEqual(limitsOf(await c.open()), { maxBytes: '4096', idle: null });
      } finally {
        await quiet.stop();
      }
    });
  });

  describe('connections per address (limits.max_connections_per_address)', () => {
    before(async () => {
      ts = await startTestServer((c) => {
        c.limits.max_connections_per_address = 3;
      });
      ca = await ts.ca();
    });
    after(() => ts.stop());

    it('refuses one more connection with policy-violation, and admits again once one closes', async () => {
      const open = [await connect(), await connect(), await connect()];
      for (const c of open) await c.open();
      const refused = await connect();
      assert.equal(await refused.streamError(), 'policy-violation');
      await within(refused.closed, 5000, 'the refused connection closes');
      await until(() => ts.server.streams.size === 3, 'the refused stream to be forgotten');
      open[0]!.destroy();
      await until(() => ts.server.streams.size === 2, 'the closed stream to be forgotten');
      const again = await connect();
      const features = await again.open();
      assert.ok(features.getChild('starttls'));
    });

    it('counts direct-TLS handshakes under way per address too: past the limit a socket is closed at once', async () => {
      const idle: Socket[] = [];
      try {
        // Sockets that never send a ClientHello: no stream exists for them for 15 s.
        for (let i = 0; i < 3; i++) idle.push(await new Promise<Socket>((resolve) => { const s = createConnection({ host: '127.0.0.1', port: ts.tlsPort }, () => resolve(s)); }));
        const extra = createConnection({ host: '127.0.0.1', port: ts.tlsPort });
        const closed = new Promise<void>((resolve) => extra.once('close', () => resolve()));
        extra.on('error', () => undefined);
        await within(closed, 5000, 'the fourth handshake refused');
      } finally {
        for (const s of idle) s.destroy();
      }
    });
  });

  describe('resources per account (limits.max_resources_per_account, RFC 6120 §7.6.2.1)', () => {
    before(async () => {
      ts = await startTestServer((c) => {
        c.limits.max_resources_per_account = 2;
      });
      ca = await ts.ca();
      await ts.addUser('bea@localhost', 'secret-bea');
    });
    after(() => ts.stop());

    it('refuses a bind past the limit with resource-constraint (type wait); a replacing bind is allowed', async () => {
      const one = await connect();
      await one.login('bea', 'secret-bea', 'one');
      const two = await connect();
      await two.login('bea', 'secret-bea', 'two');
      const three = await connect();
      await three.open();
      const f = await three.starttls();
      assert.equal(await three.scram(f, 'bea', 'secret-bea', 'SCRAM-SHA-256'), 'success');
      await three.open();
      const bind = (resource: string): Element => xml('iq', { type: 'set' }, xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' }, xml('resource', {}, resource)));
      const res = await three.iq(bind('three'));
      assert.equal(res.attrs.type, 'error');
      assert.equal(errorCondition(res), 'resource-constraint');
      assert.equal(res.getChild('error')!.attrs.type, 'wait');
      // The stream stays open: binding a resource in use replaces that session (§7.7.2.2).
      const again = await three.iq(bind('one'));
      assert.equal(again.attrs.type, 'result');
      assert.equal(await one.streamError(), 'conflict');
      assert.equal(await ping(three), 'result');
    });
  });

  describe('read pacing (limits.read_rate_bytes_per_second)', () => {
    before(async () => {
      ts = await startTestServer((c) => {
        c.limits.read_rate_bytes_per_second = 16384;
        c.limits.read_burst_bytes = 4096;
      });
      ca = await ts.ca();
      await ts.addUser('cleo@localhost', 'secret-cleo');
    });
    after(() => ts.stop());

    it('stops reading a stream past its rate and loses nothing: every ping is answered, in order', async () => {
      const c = await connect();
      const jid = await c.login('cleo', 'secret-cleo', 'fast');
      const stream = [...ts.server.streams].find((s: C2sStream) => s.session?.jid.full === jid)!;
      let pauses = 0;
      const transport = stream.transport;
      const pause = transport.pause.bind(transport);
      transport.pause = () => {
        pauses++;
        pause();
      };
      const COUNT = 300; // about 23 KB: over five times the burst
      let batch = '';
      for (let i = 0; i < COUNT; i++) batch += `<iq type='get' id='p${i}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`;
      assert.ok(batch.length > 4 * 4096);
      c.write(batch);
      for (let i = 0; i < COUNT; i++) {
        const el = await c.expect((e) => e.name === 'iq', 10_000);
        assert.equal(el.attrs.id, `p${i}`);
        assert.equal(el.attrs.type, 'result');
      }
      assert.ok(pauses > 0, 'reading was paused');
    });
  });

  describe('a client that does not read (limits.max_unsent_bytes)', () => {
    before(async () => {
      ts = await startTestServer((c) => {
        c.limits.max_unsent_bytes = 1 << 20;
        c.limits.read_rate_bytes_per_second = 0;
      });
      ca = await ts.ca();
      for (const u of ['dora', 'ed']) await ts.addUser(`${u}@localhost`, `secret-${u}`);
    });
    after(() => ts.stop());

    it('is dropped once what waits to be sent to it passes the limit; the sender goes on', async () => {
      const dora = await connect();
      await dora.login('dora', 'secret-dora', 'deaf');
      dora.send(xml('presence'));
      const ed = await connect();
      await ed.login('ed', 'secret-ed', 'loud');
      const connected = (): boolean => [...ts.server.streams].some((x: C2sStream) => x.session?.jid.local === 'dora');
      assert.ok(connected());
      // dora stops reading; ed sends her far more than the kernel's socket buffers hold.
      (dora as unknown as { socket: { pause(): void } }).socket.pause();
      const body = 'x'.repeat(60_000);
      let sent = 0;
      while (sent < 600 && connected()) {
        for (let i = 0; i < 10; i++, sent++) ed.send(xml('message', { to: 'dora@localhost', type: 'chat', id: `m${sent}` }, xml('body', {}, body)));
        await new Promise((r) => setTimeout(r, 5));
      }
      await until(() => !connected(), `dora's stream dropped (${sent} messages of 60 KB sent)`, 10_000);
      assert.equal(await ping(ed), 'result', 'the sender is served');
    });
  });

  describe('negotiation timeout (limits.unauthenticated_timeout)', () => {
    before(async () => {
      ts = await startTestServer((c) => {
        c.limits.unauthenticated_timeout = 1;
      });
      ca = await ts.ca();
    });
    after(() => ts.stop());

    it('closes a client that trickles its stream header byte by byte with connection-timeout (§4.9.3.4)', async () => {
      const c = await connect();
      const header = "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
      let i = 0;
      const trickle = setInterval(() => {
        if (i < header.length - 1) c.write(header[i++]!);
      }, 50);
      try {
        assert.equal(await c.streamError(5000), 'connection-timeout');
        await within(c.closed, 5000, 'the server closes the connection');
      } finally {
        clearInterval(trickle);
      }
    });

    it('closes a client that sends only whitespace after its header with connection-timeout', async () => {
      const c = await connect();
      await c.open();
      const keepalive = setInterval(() => c.write(' '), 50);
      try {
        assert.equal(await c.streamError(5000), 'connection-timeout');
        await within(c.closed, 5000, 'the server closes the connection');
      } finally {
        clearInterval(keepalive);
      }
    });
  });
});
