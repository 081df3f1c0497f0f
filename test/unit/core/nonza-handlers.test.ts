// Nonza handlers: a module claims the top-level non-stanza elements of one namespace on bound
// client streams (e.g. XEP-0352's <active/>); one module per namespace; unloading releases it.
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/loader.js';
import { planModules, loadModule } from '../../../src/core/module-loader.js';
import { Host } from '../../../src/core/host.js';
import { LocalRouter } from '../../../src/core/router.js';
import { SessionManager } from '../../../src/core/session-manager.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import { silentLogger } from '../../../src/util/log.js';

describe('core/host nonza handlers', () => {
  it('allows one handler per namespace', () => {
    const host = new Host('localhost', silentLogger);
    const remove = host.addNonzaHandler('urn:example', () => undefined);
    assert.throws(() => host.addNonzaHandler('urn:example', () => undefined), /exists already/);
    remove();
    assert.equal(host.nonzaHandler('urn:example'), undefined);
    host.addNonzaHandler('urn:example', () => undefined);
    assert.ok(host.nonzaHandler('urn:example'));
  });

  it('a module registers through its API, and unloading it removes the handler and its stream feature', async () => {
    const { plan } = await planModules(defaultConfig({}), () => 'test.yaml');
    const host = new Host('localhost', silentLogger);
    const sessions = new SessionManager();
    const router = new LocalRouter(new Map([['localhost', host]]), sessions, silentLogger);
    const deps = { host, router, sessions, storage: createMemoryStorage(), log: silentLogger, server: { name: 'Starling', version: '0', startedAt: new Date(), scramIterations: 4096 } };
    const csi = await loadModule(plan.get('localhost')!.find((m) => m.def.name === 'csi')!, deps);
    assert.ok(host.nonzaHandler('urn:xmpp:csi:0'));
    assert.deepEqual(host.streamFeatures('bound').map((f) => f.attrs.xmlns), ['urn:xmpp:csi:0']);
    await csi.unload();
    assert.equal(host.nonzaHandler('urn:xmpp:csi:0'), undefined);
    assert.deepEqual(host.streamFeatures('bound'), []);
  });
});
