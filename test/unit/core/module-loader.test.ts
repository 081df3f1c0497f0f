// Module loading: options validated by each module's schema with the config location,
// unknown modules refused, and unloading reverses every registration.
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/loader.js';
import { planModules, loadModule } from '../../../src/core/module-loader.js';
import { Host } from '../../../src/core/host.js';
import { LocalRouter } from '../../../src/core/router.js';
import { SessionManager } from '../../../src/core/session-manager.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import { silentLogger } from '../../../src/util/log.js';

const locate = (path: (string | number)[]): string => `test.yaml:${path.length}:1`;

describe('core/module-loader', () => {
  it('reports an unknown module with its location and the available names', async () => {
    const config = defaultConfig({});
    config.modules = { ...config.modules, pnig: {} };
    const { problems } = await planModules(config, locate);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^test\.yaml:2:1: modules\.pnig: unknown module \(available: .*ping.*\)$/);
  });

  it('validates module options against the module schema, rejecting unknown keys and wrong types', async () => {
    const config = defaultConfig({});
    config.hosts.localhost!.modules = { version: { show_os: 'yes' }, ping: { extra: 1 } };
    const { problems } = await planModules(config, locate);
    assert.equal(problems.length, 2);
    assert.ok(problems.includes('test.yaml:5:1: hosts.localhost.modules.version.show_os: expected boolean, got "yes"'), problems.join('\n'));
    assert.ok(problems.includes('test.yaml:5:1: hosts.localhost.modules.ping.extra: unknown option'), problems.join('\n'));
  });

  it('applies option defaults from the schema', async () => {
    const { plan, problems } = await planModules(defaultConfig({}), locate);
    assert.deepEqual(problems, []);
    const version = plan.get('localhost')!.find((m) => m.def.name === 'version')!;
    assert.deepEqual(version.options, { show_os: false });
  });

  it('unloading a module removes its IQ handlers, features and identities', async () => {
    const { plan } = await planModules(defaultConfig({}), locate);
    const host = new Host('localhost', silentLogger);
    const sessions = new SessionManager();
    const router = new LocalRouter(new Map([['localhost', host]]), sessions, silentLogger);
    const deps = { host, router, sessions, storage: createMemoryStorage(), log: silentLogger, server: { name: 'Starling', version: '0', startedAt: new Date(), scramIterations: 4096 } };
    const disco = await loadModule(plan.get('localhost')!.find((m) => m.def.name === 'disco')!, deps);
    const ping = await loadModule(plan.get('localhost')!.find((m) => m.def.name === 'ping')!, deps);
    assert.ok(host.discoInfo('host').features.includes('urn:xmpp:ping'));
    assert.ok(host.iqHandler('host', 'get', 'urn:xmpp:ping', 'ping'));
    await ping.unload();
    assert.ok(!host.discoInfo('host').features.includes('urn:xmpp:ping'));
    assert.equal(host.iqHandler('host', 'get', 'urn:xmpp:ping', 'ping'), undefined);
    await disco.unload();
    assert.deepEqual(host.discoInfo('host'), { identities: [], features: [] });
  });
});
