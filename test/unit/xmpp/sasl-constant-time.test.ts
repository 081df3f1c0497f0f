// Secrets are compared in constant time (crypto.timingSafeEqual): SCRAM proofs and channel
// bindings, and PLAIN passwords (checked against the stored SCRAM key). A source check keeps
// every comparison in src/xmpp/sasl/ on the one constant-time helper.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { safeEqual } from '../../../src/xmpp/sasl/credentials.js';

const SASL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src/xmpp/sasl');

describe('SASL secret comparisons are constant-time', () => {
  it('safeEqual compares equal-length buffers and is false, not a throw, for other lengths', () => {
    assert.equal(safeEqual(Buffer.from('abc'), Buffer.from('abc')), true);
    assert.equal(safeEqual(Buffer.from('abc'), Buffer.from('abd')), false);
    assert.equal(safeEqual(Buffer.from('abc'), Buffer.from('abcd')), false);
    assert.equal(safeEqual(Buffer.alloc(0), Buffer.alloc(0)), true);
  });

  it('safeEqual is built on crypto.timingSafeEqual, and nothing in sasl/ compares buffers another way', async () => {
    const files = (await readdir(SASL_DIR)).filter((f) => f.endsWith('.ts'));
    const sources = new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(SASL_DIR, f), 'utf8')] as const)));
    assert.match(sources.get('credentials.ts')!, /function safeEqual\([^)]*\): boolean \{\s*return a\.length === b\.length && timingSafeEqual\(a, b\);/);
    for (const [file, text] of sources) {
      // Ordering public names (XEP-0474 sorts mechanism names) is not a secret comparison.
      const lines = text.split('\n').filter((l) => !/\.sort\(\(a, b\) => Buffer\.compare\(/.test(l));
      for (const line of lines) {
        assert.doesNotMatch(line, /\.equals\(|\bcompare\(/, `${file} compares buffers without timingSafeEqual: ${line.trim()}`);
      }
    }
    // The proof, the channel binding and the PLAIN password check go through it.
    assert.match(sources.get('scram.ts')!, /safeEqual\(digest\(this\.hash, clientKey\), p\.cred\.storedKey\)/);
    assert.match(sources.get('scram.ts')!, /safeEqual\(cbInput, this\.expectedBinding\(p\)\)/);
    assert.match(sources.get('credentials.ts')!, /return safeEqual\(storedKey, cred\.storedKey\);/);
  });
});
