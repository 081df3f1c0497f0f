// SIGHUP on a real `starling start` process: module options, module lists, certificates and the
// log level change without dropping a logged-in client; a broken file is refused with its
// location while the running configuration keeps serving; start-only settings are reported.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { listeningPort, spawnStarling, starling, tempDir, type Proc } from '../support/cli.js';
import { ensureSelfSigned } from '../../src/net/certs.js';

const PW = 'reload-secret-Basalt7';

interface Variant {
  showOs: boolean;
  ping: boolean;
  level?: string;
  port?: number;
  cert?: { cert: string; key: string };
}

function configText(dir: string, v: Variant): string {
  const modules = ['disco', 'version', 'roster', 'presence', ...(v.ping ? ['ping'] : [])]
    .map((m) => (m === 'version' ? `version: { show_os: ${v.showOs} }` : `${m}: {}`)).join(', ');
  const tls = v.cert ? `tls: { cert: ${JSON.stringify(v.cert.cert)}, key: ${JSON.stringify(v.cert.key)} }, ` : '';
  return [
    `log: { level: ${v.level ?? 'info'}, format: json }`,
    `data_dir: ${JSON.stringify(join(dir, 'data'))}`,
    'storage: { driver: sqlite, path: starling.sqlite }',
    'auth: { scram_iterations: 4096 }',
    'listeners:',
    `  c2s: { addresses: ['127.0.0.1'], port: ${v.port ?? 0} }`,
    "  c2s_direct_tls: { addresses: ['127.0.0.1'], port: 0 }",
    'hosts:',
    `  localhost: { ${tls}modules: { ${modules} } }`,
    '',
  ].join('\n');
}

describe('starling start: SIGHUP reloads the configuration', function () {
  this.timeout(30_000);
  let dir: string;
  let cfg: string;
  let server: Proc;
  let port: number;
  let tlsPort: number;
  let ca: string;
  let client: RawClient;
  let reloads = 0;

  const hup = async (v: Variant | string, expect: string): Promise<void> => {
    await writeFile(cfg, typeof v === 'string' ? v : configText(dir, v));
    const seen = server.stdout.split(expect).length - 1;
    server.child.kill('SIGHUP');
    await server.waitFor(expect, 10_000, seen + 1);
    if (expect === '"msg":"configuration reloaded"') reloads++;
  };
  const version = async (c: RawClient): Promise<Element> => {
    const r = await c.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'jabber:iq:version' })));
    assert.equal(r.attrs.type, 'result', r.toString());
    return r.getChild('query')!;
  };
  const ping = (c: RawClient): Promise<Element> => c.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));

  before(async () => {
    dir = await tempDir();
    cfg = join(dir, 'starling.yaml');
    await writeFile(cfg, configText(dir, { showOs: false, ping: true }));
    const add = await starling(['adduser', 'alice@localhost', '-c', cfg], { cwd: dir, input: `${PW}\n` });
    assert.equal(add.code, 0, add.stderr);
    server = spawnStarling(['start', '-c', cfg], { cwd: dir });
    await server.waitFor('"msg":"server started"', 15_000);
    port = listeningPort(server.stdout, 'c2s');
    tlsPort = listeningPort(server.stdout, 'c2s_direct_tls');
    ca = await readFile(join(dir, 'data', 'certs', 'localhost.crt'), 'utf8');
    client = await RawClient.connect({ port, ca });
    await client.login('alice', PW, 'kept');
  });
  after(async () => {
    client?.destroy();
    server?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies changed module options and module lists to the client that stayed connected', async () => {
    assert.equal((await version(client)).getChild('os'), undefined);
    assert.equal((await ping(client)).attrs.type, 'result');
    await hup({ showOs: true, ping: false, level: 'debug' }, '"msg":"configuration reloaded"');
    assert.ok((await version(client)).getChild('os'), 'show_os: true is in force');
    const refused = await ping(client);
    assert.equal(refused.attrs.type, 'error', 'ping was disabled');
    assert.ok(refused.getChild('error')!.getChild('service-unavailable'), refused.toString());
    const line = server.stdout.split('\n').find((l) => l.includes('"msg":"configuration reloaded"'))!;
    const entry = JSON.parse(line) as { applied: string[]; reloaded: string[]; unloaded: string[] };
    assert.deepEqual(entry.applied, ['log.level'], 'the settings that changed, by name');
    assert.deepEqual(entry.reloaded, ['localhost/version']);
    assert.deepEqual(entry.unloaded, ['localhost/ping']);
  });

  it('applies the new log level (a stream error, logged at debug, shows after the reload)', async () => {
    const before = server.stdout.split('"msg":"stream error"').length;
    const fresh = await RawClient.connect({ port, ca });
    fresh.write(`<?xml version='1.0'?><stream:stream to='unknown.example' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`);
    assert.equal(await fresh.streamError(), 'host-unknown');
    fresh.destroy();
    await server.waitFor('"msg":"stream error"', 5_000, before);
    assert.match(server.stdout, /"level":"debug","msg":"stream error"/);
  });

  it('refuses a broken file with its location, and the running configuration keeps serving', async () => {
    await hup(configText(dir, { showOs: true, ping: true }).replace('show_os: true', 'show_os: "yes"'), '"msg":"configuration not reloaded; the running one stays in force"');
    assert.match(server.stdout, /starling\.yaml:9:\d+: hosts\.localhost\.modules\.version\.show_os: expected boolean/);
    assert.ok((await version(client)).getChild('os'), 'the previous options stay');
    assert.equal((await ping(client)).attrs.type, 'error', 'ping stays disabled: nothing of the broken file applied');
    await hup('hosts: [unclosed', '"msg":"configuration not reloaded; the running one stays in force"');
    assert.ok((await version(client)).getChild('os'));
  });

  it('reports settings that need a restart and keeps listening where it was', async () => {
    await hup({ showOs: true, ping: true, port: 1 }, '"msg":"some changed settings take effect only after a restart"');
    assert.match(server.stdout, /"settings":\["listeners\.c2s"\]/);
    const fresh = await RawClient.connect({ port, ca });
    assert.match(await fresh.login('alice', PW), /^alice@localhost\//);
    fresh.destroy();
    assert.equal((await ping(client)).attrs.type, 'result', 'ping enabled again');
  });

  it('serves a replaced certificate to new connections, STARTTLS and direct TLS alike', async () => {
    const made = await ensureSelfSigned('localhost', join(dir, 'newcert'));
    await hup({ showOs: true, ping: true, cert: { cert: made.certFile, key: made.keyFile } }, '"msg":"configuration reloaded"');
    const fingerprint = new X509Certificate(made.certPem).fingerprint256;
    assert.notEqual(new X509Certificate(ca).fingerprint256, fingerprint, 'a different certificate');
    const starttls = await RawClient.connect({ port, ca: made.certPem });
    assert.match(await starttls.login('alice', PW), /^alice@localhost\//, 'STARTTLS verifies against the new certificate');
    starttls.destroy();
    const direct = await RawClient.connect({ port: tlsPort, ca: made.certPem, directTls: true });
    assert.match(await direct.login('alice', PW), /^alice@localhost\//, 'direct TLS verifies against the new certificate');
    direct.destroy();
    assert.equal((await ping(client)).attrs.type, 'result', 'the first client is still connected');
    assert.equal(reloads, 2);
  });
});
