// Packs the compiled command-line interface (lib/cli/main.js, everything it imports and its
// dependencies) into a few files under lib/bundle/: `starling start` then loads ~40 files instead
// of ~750 separate modules, which was most of its start-up time (docs/performance-log.md, "Start-up").
// Run by `npm run build` after tsc; bin/starling uses the bundle only while it matches lib/.
//
// The bundle is the same code: nothing is renamed or rewritten (only whitespace is removed; two
// parts of dependencies that Starling cannot reach are left out, see below), the modules and the
// certificate generator stay lazy (one chunk each), and stack traces map back to src/*.ts with
// `node --enable-source-maps` (esbuild chains tsc's source maps). lib/bundle/ sits one folder
// below lib/ like lib/core/, so `new URL('../../package.json', import.meta.url)` still finds the
// package file.
import { build, type Plugin } from 'esbuild';
import { rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'lib', 'bundle');

/** lib/bundle/stamp.json, read by bin/starling: the entry file and [path, mtimeMs, size] of each watched input. */
interface BundleStamp {
  entry: string;
  files: [string, number, number][];
}

/** Left to Node's own loader: native code (sqlite3 finds its binary next to its package) and the optional PostgreSQL driver. */
const EXTERNAL = ['sqlite3', 'pg', 'pg-query-stream'];

/**
 * zod's entry re-exports every translation of its error messages (`z.locales`, ~370 KB of
 * source). Starling words its own messages and never reads `z.locales`; the English messages
 * zod uses by default come from their own module and stay.
 */
const noZodLocales: Plugin = {
  name: 'no-zod-locales',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * knex loads a dialect only when a client of that kind is made, and a Starling config can only
 * ask for sqlite3 or pg (the storage.driver values). The other dialects (~450 KB of source) are
 * left out; requiring one throws.
 */
const UNUSED_DIALECTS = ['better-sqlite3', 'cockroachdb', 'mssql', 'mysql', 'mariadb', 'mysql2', 'oracle', 'oracledb', 'pgnative', 'redshift'];
const onlyUsedKnexDialects: Plugin = {
  name: 'only-used-knex-dialects',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^\\./(${UNUSED_DIALECTS.join('|')})$`) }, (args) =>
      /[\\/]node_modules[\\/]knex[\\/]lib[\\/]dialects[\\/]index\.js$/.test(args.importer)
        ? { path: args.path.slice(2), namespace: 'unused-knex-dialect' }
        : undefined);
    b.onLoad({ filter: /.*/, namespace: 'unused-knex-dialect' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`the knex dialect ${args.path} is not part of Starling's bundle`)});`,
      loader: 'js',
    }));
  },
};

await rm(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { cli: 'lib/cli/main.js' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [noZodLocales, onlyUsedKnexDialects],
  // CommonJS dependencies call require() for the external packages and node: built-ins.
  banner: { js: "import { createRequire as __starlingCreateRequire } from 'node:module';\nconst require = __starlingCreateRequire(import.meta.url);" },
  // Whitespace only: names and syntax stay as written. The bundle's source text stays in memory
  // (V8 keeps it for lazy compilation), so this saves ~2.5 MiB of RSS; the maps give src lines.
  minifyWhitespace: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
  // knex's migration-file loader and migration generator use require(variable) and __dirname;
  // Starling gives knex its migrations as a list, so neither runs.
  logOverride: { 'unsupported-require-call': 'silent', 'unsupported-dynamic-import': 'silent' },
});

// What bin/starling checks before using the bundle: every lib/ input unchanged since this build,
// and no npm install since (node_modules/.package-lock.json is rewritten by every install).
const watched = [...Object.keys(result.metafile.inputs).filter((f) => f.startsWith('lib/')), 'node_modules/.package-lock.json'];
const stampFiles: BundleStamp['files'] = [];
for (const file of watched) {
  const s = await stat(join(ROOT, file)).catch(() => undefined);
  if (s) stampFiles.push([file, s.mtimeMs, s.size]);
}
const stamp: BundleStamp = { entry: 'cli.js', files: stampFiles };
await writeFile(join(OUT, 'stamp.json'), JSON.stringify(stamp));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle: lib/bundle/ (${Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length} files, ${(bytes / 1024).toFixed(0)} KiB with maps), ${stampFiles.length} inputs watched`);
