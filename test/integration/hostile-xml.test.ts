// XML attacks over real sockets: each gets its exact stream error (RFC 6120 §4.9.3), the
// connection is closed within a bounded time, the server's heap does not balloon (checked
// loosely: the server runs in this process), and a logged-in bystander keeps getting its pings
// answered while the attack runs. Complements bad-input.test.ts (header errors, a short DTD
// before the header, a stanza just over the limit).
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Jid } from '../../src/xmpp/jid.js';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { filler, ping, until, watchHeap, within } from '../support/hostile.js';

const HEADER = "<stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const MAX_STANZA = 65536;
/** What each flood offers to send; the server must stop reading long before. */
const FLOOD = 32 * 1024 * 1024;
/** Loose bounds on the heap of the whole test process (client and server). */
const PEAK_MB = 32;
const RETAINED_MB = 8;

function billionLaughs(): string {
  let dtd = '<!ENTITY lol0 "lol">';
  for (let i = 1; i < 10; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
  return `<!DOCTYPE stream:stream [${dtd}]>`;
}

describe('hostile XML over real sockets (RFC 6120 §4.9.3, §11.1, §13.12)', () => {
  let ts: TestServer;
  let ca: string;
  let bystander: RawClient;
  const clients: RawClient[] = [];
  let n = 0;

  /** A connection that has sent its stream header: logged in and bound, or plaintext before TLS. */
  const attacker = async (loggedIn: boolean): Promise<RawClient> => {
    const c = await RawClient.connect({ port: ts.c2sPort, ca });
    clients.push(c);
    if (loggedIn) await c.login('mallory', 'secret-mallory', `m${++n}`);
    else await c.open();
    return c;
  };

  /** Runs `send` on `c` and checks the outcome every attack must have. */
  const attack = async (c: RawClient, send: () => Promise<unknown>, condition: string): Promise<void> => {
    const heap = watchHeap();
    const sending = send();
    const pong = ping(bystander, 10_000);
    assert.equal(await c.streamError(10_000), condition);
    await within(c.closed, 5000, 'the server closes the connection');
    await sending;
    assert.equal(await pong, 'result', 'the bystander is answered during the attack');
    const { peakMb, retainedMb } = heap.stop();
    assert.ok(peakMb < PEAK_MB, `heap peak +${peakMb.toFixed(1)} MiB`);
    assert.ok(retainedMb < RETAINED_MB, `heap retained +${retainedMb.toFixed(1)} MiB`);
  };

  /** Writes `prefix`, then floods `fill` until the server closes the connection. */
  const flood = (c: RawClient, prefix: string, fill = 'x'): (() => Promise<number>) => () => {
    c.write(prefix);
    return c.flood(filler(fill), FLOOD);
  };
  const write = (c: RawClient, data: string | Buffer): (() => Promise<void>) => async () => c.write(data);

  before(async () => {
    ts = await startTestServer((c) => {
      c.limits.max_stanza_bytes = MAX_STANZA;
      // Pre-authentication floods reach the stanza limit at once rather than being paced.
      c.limits.unauthenticated_read_burst_bytes = 1 << 20;
    });
    ca = await ts.ca();
    await ts.addUser('carol@localhost', 'secret-carol');
    await ts.addUser('mallory@localhost', 'secret-mallory');
    bystander = await RawClient.connect({ port: ts.c2sPort, ca });
    await bystander.login('carol', 'secret-carol', 'bystander');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    assert.equal(await ping(bystander), 'result');
  });
  after(async () => {
    bystander.destroy();
    await ts.stop();
  });

  describe('entities and DTDs (§11.1 restricted-xml)', () => {
    it('billion laughs inside the stream: restricted-xml, nothing expanded', async () => {
      const c = await attacker(true);
      await attack(c, write(c, `${billionLaughs()}<message to='carol@localhost/bystander'><body>&lol9;</body></message>`), 'restricted-xml');
      assert.doesNotMatch(bystander.received, /lol/);
    });

    it('a reference to an entity no DTD declares: restricted-xml', async () => {
      const c = await attacker(true);
      await attack(c, write(c, "<message to='carol@localhost/bystander'><body>&lol9;</body></message>"), 'restricted-xml');
    });

    it('external entities (SYSTEM, parameter entity) before the header: restricted-xml, nothing fetched or read', async () => {
      let fetched = 0;
      const trap: Server = createServer((s) => {
        fetched++;
        s.destroy();
      });
      await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
      const { port } = trap.address() as AddressInfo;
      try {
        const c = await RawClient.connect({ port: ts.c2sPort, ca });
        clients.push(c);
        const dtd = `<!DOCTYPE stream:stream [<!ENTITY % ext SYSTEM "http://127.0.0.1:${port}/x.dtd"> %ext; ` +
          '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
        await attack(c, write(c, `<?xml version='1.0'?>${dtd}${HEADER}<message><body>&xxe;</body></message>`), 'restricted-xml');
        assert.equal(fetched, 0);
        assert.doesNotMatch(c.received, /root:/);
      } finally {
        trap.close();
      }
    });
  });

  describe('size and depth (§13.12 policy-violation)', () => {
    it('10,000-deep nesting: policy-violation', async () => {
      const c = await attacker(true);
      await attack(c, write(c, `<message>${'<a>'.repeat(10_000)}`), 'policy-violation');
    });

    const floods: [string, string, boolean][] = [
      ['a multi-megabyte element name', '<m', true],
      ['a multi-megabyte attribute name', "<message to='carol@localhost' a", true],
      ['a multi-megabyte attribute value', "<message to='carol@localhost' id='", true],
      ['multi-megabyte text', "<message to='carol@localhost/bystander'><body>", true],
      ['multi-megabyte text before authentication', '<message><body>', false],
    ];
    for (const [what, prefix, loggedIn] of floods) {
      it(`${what}: policy-violation once past max_stanza_bytes, the rest unread`, async () => {
        const c = await attacker(loggedIn);
        await attack(c, flood(c, prefix), 'policy-violation');
        assert.doesNotMatch(bystander.received, /xxxxxxxx/);
      });
    }
  });

  describe('encoding and characters (§11.6, XML 1.0 §2.2)', () => {
    it('invalid UTF-8: unsupported-encoding (§4.9.3.22)', async () => {
      const c = await attacker(true);
      const bad = Buffer.concat([Buffer.from("<message to='carol@localhost/bystander'><body>"), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('</body></message>')]);
      await attack(c, write(c, bad), 'unsupported-encoding');
    });

    const controls: [string, string][] = [
      ['U+0000 in text', '<message><body>a\u0000b</body></message>'],
      ['U+0001 in text', '<message><body>a\u0001b</body></message>'],
      ['U+0000 in an attribute', "<message id='a\u0000b'/>"],
      ['U+001F in an attribute', "<message id='a\u001fb'/>"],
      ['a character reference to U+0001', '<message><body>&#x1;</body></message>'],
    ];
    for (const [what, stanza] of controls) {
      it(`a character XML 1.0 forbids (${what}): not-well-formed`, async () => {
        const c = await attacker(true);
        await attack(c, write(c, stanza), 'not-well-formed');
      });
    }
  });

  describe('well-formedness and namespaces (§4.9.3.2, §4.9.3.13, §4.9.3.24)', () => {
    it('duplicate attributes: not-well-formed', async () => {
      const c = await attacker(true);
      await attack(c, write(c, "<message to='carol@localhost/bystander' to='mallory@localhost'><body>x</body></message>"), 'not-well-formed');
    });

    it('an unbound element prefix: bad-namespace-prefix', async () => {
      const c = await attacker(true);
      await attack(c, write(c, "<evil:message to='carol@localhost/bystander'/>"), 'bad-namespace-prefix');
    });

    it('an unbound attribute prefix: bad-namespace-prefix', async () => {
      const c = await attacker(true);
      await attack(c, write(c, "<message to='carol@localhost/bystander' evil:id='1'/>"), 'bad-namespace-prefix');
    });

    it('a second stream header inside the stream: unsupported-stanza-type', async () => {
      const c = await attacker(true);
      await attack(c, write(c, HEADER), 'unsupported-stanza-type');
    });

    it('a second XML declaration and header inside the stream: not-well-formed', async () => {
      const c = await attacker(true);
      await attack(c, write(c, `<?xml version='1.0'?>${HEADER}`), 'not-well-formed');
    });
  });

  describe('comments and processing instructions (§11.1 restricted-xml)', () => {
    const cases: [string, string][] = [
      ['a comment between stanzas', '<!-- hello -->'],
      ['a comment inside a stanza', '<message><!-- hello --></message>'],
      ['a processing instruction between stanzas', "<?xml-stylesheet href='x'?>"],
      ['a processing instruction inside a stanza', '<message><?php echo 1; ?></message>'],
    ];
    for (const [what, data] of cases) {
      it(`${what}: restricted-xml`, async () => {
        const c = await attacker(true);
        await attack(c, write(c, data), 'restricted-xml');
      });
    }
  });

  describe('end of input', () => {
    it('a socket closed without </stream:stream> ends the session; a stanza cut off is never delivered (§4.4)', async () => {
      const c = await RawClient.connect({ port: ts.c2sPort, ca });
      clients.push(c);
      const jid = Jid.parse(await c.login('mallory', 'secret-mallory', 'eof'));
      assert.ok(ts.server.sessions.get(jid));
      c.write("<message to='carol@localhost/bystander' id='whole'><body>complete</body></message>" +
        "<message to='carol@localhost/bystander' id='cut'><body>partial-secret");
      await bystander.expect((e) => e.name === 'message' && e.attrs.id === 'whole');
      const before = c.received.length;
      c.endSocket();
      await within(c.closed, 5000, 'the server closes the connection');
      await until(() => ts.server.sessions.get(jid) === undefined, 'the session to end');
      assert.doesNotMatch(c.received.slice(before), /stream:error/, 'nothing is said to a peer that has gone');
      assert.equal(await ping(bystander), 'result');
      assert.doesNotMatch(bystander.received, /partial-secret/);
    });
  });
});
