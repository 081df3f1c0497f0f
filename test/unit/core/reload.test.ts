// Reload rules: what a new config may change in a running server and what waits for a restart.
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/loader.js';
import type { Config } from '../../../src/config/types.js';
import { changedSettings, effectiveConfig, optionsKey, restartOnlyChanges } from '../../../src/core/reload.js';

const base = (): Config => defaultConfig({});

describe('core/reload', () => {
  it('finds no restart-only change between equal configs', () => {
    assert.deepEqual(restartOnlyChanges(base(), base()), []);
  });

  it('reports sockets, storage, data folder, TLS floor, log format, throttle and host set changes', () => {
    const next = base();
    next.listeners.c2s.port = 5999;
    next.listeners.c2s_direct_tls.enabled = false;
    next.storage = { ...next.storage, path: 'other.sqlite' };
    next.data_dir = '/elsewhere';
    next.tls.min_version = 'TLSv1.3';
    next.log.format = 'pretty';
    next.auth.throttle_window = 999;
    next.hosts['added.example'] = { tls: {} };
    delete next.hosts.localhost;
    assert.deepEqual(restartOnlyChanges(base(), next), [
      'listeners.c2s', 'listeners.c2s_direct_tls', 'storage', 'data_dir', 'tls.min_version', 'log.format',
      'auth.throttle_window', 'hosts.added.example (added)', 'hosts.localhost (removed)',
    ]);
  });

  it('applies live settings and keeps the restart-only ones as running', () => {
    const running = base();
    const next = base();
    next.listeners.c2s.port = 5999;
    next.listeners.c2s.starttls_required = false;
    next.limits.max_stanza_bytes = 12345;
    next.auth.allow_plain = !running.auth.allow_plain;
    next.auth.max_failures_per_account = 1;
    next.log.level = 'debug';
    next.log.format = 'pretty';
    next.hosts.localhost = { tls: {}, modules: { ping: {} } };
    next.hosts['added.example'] = { tls: {} };
    const eff = effectiveConfig(running, next);
    assert.equal(eff.listeners.c2s.port, running.listeners.c2s.port);
    assert.equal(eff.listeners.c2s.starttls_required, false, 'applies to new streams');
    assert.equal(eff.limits.max_stanza_bytes, 12345);
    assert.equal(eff.auth.allow_plain, next.auth.allow_plain);
    assert.equal(eff.auth.max_failures_per_account, running.auth.max_failures_per_account);
    assert.deepEqual(eff.log, { level: 'debug', format: running.log.format });
    assert.deepEqual(Object.keys(eff.hosts), ['localhost'], 'no host added without a restart');
    assert.deepEqual(eff.hosts.localhost!.modules, { ping: {} });
  });

  it('keys module options independently of key order', () => {
    assert.equal(optionsKey({ a: 1, b: { d: 2, c: [1, 2] } }), optionsKey({ b: { c: [1, 2], d: 2 }, a: 1 }));
    assert.notEqual(optionsKey({ a: 1 }), optionsKey({ a: 2 }));
    assert.notEqual(optionsKey({ c: [1, 2] }), optionsKey({ c: [2, 1] }));
  });

  it('changedSettings names each changed setting by its path, never its value, and leaves module options out', () => {
    const before = defaultConfig();
    const after = defaultConfig();
    after.limits.max_stanza_bytes = 100_000;
    after.log.level = 'debug';
    after.auth.scram_iterations = 20_000;
    after.modules = { ...after.modules, version: { show_os: true } };
    after.hosts.localhost!.tls = { cert: 'new.crt', key: 'new.key' };
    assert.deepEqual(changedSettings(before, after).sort(), ['auth.scram_iterations', 'hosts.localhost.tls.cert', 'hosts.localhost.tls.key', 'limits.max_stanza_bytes', 'log.level']);
    assert.deepEqual(changedSettings(before, defaultConfig()), []);
  });
});
