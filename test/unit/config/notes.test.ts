// Settings valid one by one that do not work together: check-config says so, and the server
// warns at start.
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/loader.js';
import { configNotes } from '../../../src/config/notes.js';

describe('configuration notes', () => {
  it('none for the defaults', () => {
    assert.deepEqual(configNotes(defaultConfig()), []);
  });

  it('FAST without SASL2', () => {
    const c = defaultConfig();
    c.sasl2.enabled = false;
    assert.deepEqual(configNotes(c), ['fast.enabled has no effect while sasl2.enabled is false: FAST tokens are used through SASL2']);
    c.fast.enabled = false;
    assert.deepEqual(configNotes(c), []);
  });

  it('vcard and private relying on a pep module that is off, per host', () => {
    const c = defaultConfig();
    const { pep: _pep, ...withoutPep } = c.modules;
    c.hosts = { 'a.example': { ...c.hosts.localhost!, modules: withoutPep }, 'b.example': { ...c.hosts.localhost! } };
    assert.deepEqual(configNotes(c), [
      'a.example: hosts.a.example.modules.vcard.avatar_conversion keeps vCard photos and PEP avatars in step, but the pep module is not enabled',
      'a.example: hosts.a.example.modules.private.bookmarks_compat keeps bookmarks in PEP, but the pep module is not enabled',
    ]);
    c.hosts['a.example']!.modules = { ...withoutPep, vcard: { avatar_conversion: false }, private: { bookmarks_compat: false } };
    assert.deepEqual(configNotes(c), []);
  });

  it('in-band registration set to hash passwords at another cost than the CLI (unset, it follows auth)', () => {
    const c = defaultConfig();
    c.auth.scram_iterations = 200_000;
    assert.deepEqual(configNotes(c), [], 'register.scram_iterations unset takes auth.scram_iterations');
    c.modules = { ...c.modules, register: { scram_iterations: 10_000 } };
    assert.match(configNotes(c)[0]!, /^localhost: modules\.register\.scram_iterations \(10000\) differs from auth\.scram_iterations \(200000\)/);
  });
});
