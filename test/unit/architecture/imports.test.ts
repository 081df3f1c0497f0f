// The import rules of the architecture guide, checked by reading import lines:
// xmpp/ imports nothing of ours but itself (type-only imports of storage types are allowed,
// they vanish when compiled); modules import only the module API, xmpp/ and storage
// interfaces, never each other; only storage/knex/ imports knex; only net/ touches sockets.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

interface Import { file: string; spec: string; typeOnly: boolean; names: string; target: string | undefined }

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

async function imports(): Promise<Import[]> {
  const all: Import[] = [];
  const re = /^\s*(?:import|export)\s+(type\s+)?([^'";]*?)from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const file of await walk(SRC)) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = (m[3] ?? m[4])!;
      const target = spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec)).split(sep).join('/').replace(/\.js$/, '.ts') : undefined;
      all.push({ file: relative(SRC, file).split(sep).join('/'), spec, typeOnly: Boolean(m[1]), names: m[2] ?? '*', target });
    }
  }
  return all;
}

describe('architecture: import rules (docs/architecture.md)', () => {
  let all: Import[];
  before(async () => {
    all = await imports();
    assert.ok(all.length > 50, 'the scan found the source files');
  });

  it('xmpp/ imports only itself, node built-ins and XML/SASL libraries', () => {
    const libraries = new Set(['@xmpp/xml', 'ltx', 'sax', '@mongodb-js/saslprep']);
    const bad = all.filter((i) => {
      if (!i.file.startsWith('xmpp/')) return false;
      if (i.target === undefined) return !(i.spec.startsWith('node:') || libraries.has(i.spec));
      return !i.target.startsWith('xmpp/') && !(i.typeOnly && i.target.startsWith('storage/types'));
    });
    assert.deepEqual(bad, []);
  });

  it('modules import only the module API, xmpp/ and storage interfaces, never each other', () => {
    const bad = all.filter((i) => {
      if (!i.file.startsWith('modules/') || i.target === undefined || i.file === 'modules/index.ts') return false;
      const own = i.file.split('/').slice(0, 2).join('/');
      return !(i.target.startsWith(own + '/') || i.target === 'core/module-api.ts' || i.target.startsWith('xmpp/') || i.target === 'storage/types.ts');
    });
    assert.deepEqual(bad, []);
  });

  it('only storage/knex/ imports knex', () => {
    const bad = all.filter((i) => (i.spec === 'knex' || i.spec.startsWith('knex/')) && !i.file.startsWith('storage/knex/'));
    assert.deepEqual(bad, []);
  });

  it('only net/ imports socket modules (node:net, node:tls, node:dgram, node:http)', () => {
    const socketModules = new Set(['node:net', 'node:tls', 'node:dgram', 'node:http', 'node:https', 'net', 'tls']);
    // Type-only imports carry no sockets, nor do the address checks isIP/isIPv4/isIPv6.
    const addressChecksOnly = (names: string): boolean => /^\{[\s\w,]*\}\s*$/.test(names) && names.replace(/[{}\s]/g, '').split(',').every((n) => /^isIP(v4|v6)?$/.test(n));
    const bad = all.filter((i) => socketModules.has(i.spec) && !i.typeOnly && !i.file.startsWith('net/') && !addressChecksOnly(i.names));
    assert.deepEqual(bad, []);
  });
});
