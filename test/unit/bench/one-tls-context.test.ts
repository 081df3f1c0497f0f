// bench/driver/one-tls-context.cjs, which `bench/run.sh --one-tls-context` preloads into the
// harness's driver: tls.connect() calls without a context of their own share one, as a real
// client's connections do; calls that would shape a context keep their own. Real TLS handshakes
// against a local server, in a child process with and without the preload.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureSelfSigned } from '../../../src/net/certs.js';

const run = promisify(execFile);
const PRELOAD = resolve('bench/driver/one-tls-context.cjs');

// Four handshakes as the harness's client makes them (plain TCP first, then tls.connect over the
// socket), one with host/port, one bringing a CA (which shapes a context); prints which of them
// got the first one's context, and what each read from the server.
const CHILD = `
const tls = require('node:tls'); const net = require('node:net'); const fs = require('node:fs');
const [certFile, keyFile] = process.argv.slice(2);
const server = tls.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (s) => s.end('hello'));
const handshake = (make) => new Promise((resolve, reject) => {
  const s = make(); let text = '';
  s.on('data', (d) => { text += d; }); s.on('end', () => resolve({ s, text })); s.on('error', reject);
});
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const overTcp = () => handshake(() => tls.connect({ socket: net.connect(port, '127.0.0.1'), servername: 'localhost', rejectUnauthorized: false }));
  const a = await overTcp(); const b = await overTcp();
  const c = await handshake(() => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }));
  const d = await handshake(() => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fs.readFileSync(certFile), checkServerIdentity: () => undefined }));
  const ctx = (x) => x.s._tlsOptions.secureContext;
  console.log(JSON.stringify({ texts: [a, b, c, d].map((x) => x.text), shared: [b, c, d].map((x) => ctx(x) === ctx(a)), verified: d.s.authorized }));
  server.close();
});`;

describe('bench/driver/one-tls-context.cjs', function () {
  this.timeout(20_000);
  let dir: string;
  let certFile: string;
  let keyFile: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'starling-one-ctx-'));
    ({ certFile, keyFile } = await ensureSelfSigned('localhost', dir));
    writeFileSync(join(dir, 'child.cjs'), CHILD);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const child = async (...flags: string[]): Promise<{ texts: string[]; shared: boolean[]; verified: boolean }> => {
    const { stdout } = await run(process.execPath, [...flags, join(dir, 'child.cjs'), certFile, keyFile], { timeout: 15_000 });
    return JSON.parse(stdout) as { texts: string[]; shared: boolean[]; verified: boolean };
  };

  it('gives connections without context options one context, and leaves a connection with a CA its own', async () => {
    const r = await child('--require', PRELOAD);
    assert.deepEqual(r.texts, ['hello', 'hello', 'hello', 'hello']);
    assert.deepEqual(r.shared, [true, true, false]);
    assert.equal(r.verified, true);
  });

  it('changes what Node does: without it every connection builds its own', async () => {
    const r = await child();
    assert.deepEqual(r.texts, ['hello', 'hello', 'hello', 'hello']);
    assert.deepEqual(r.shared, [false, false, false]);
  });
});
