// The configuration loader on YAML itself (syntax, aliases, size), STARLING_LOG_LEVEL from the
// environment, every problem reported at once, and loadConfig reading files.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, defaultConfig, loadConfig } from '../../../src/config/loader.js';
import { MIN, NO_ENV, parse, problems, problemsAsync } from '../../support/config-problems.js';

describe('config loader', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'starling-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('YAML', () => {
    it('a duplicate key is a syntax error located at the second key', () => {
      assert.deepEqual(problems(`${MIN}log:\n  level: info\n  level: debug\n`), ['starling.yaml:5:3: log.level: Map keys must be unique']);
    });

    it('tabs and bad indentation are syntax errors located by line and column', () => {
      assert.match(problems(`${MIN}log:\n\tlevel: info\n`)[0]!, /^starling\.yaml:4:1: .*Tabs are not allowed/);
      assert.match(problems(`${MIN}log:\n    level: info\n  format: json\n`)[0]!, /^starling\.yaml:5:\d+: /);
      assert.match(problems('hosts: [localhost\n')[0]!, /^starling\.yaml:\d+:\d+: /);
    });

    it('anchors and aliases may share a block', () => {
      const { config } = parse('modules: &common\n  ping: {}\nhosts:\n  a.example: {modules: *common}\n');
      assert.deepEqual(config.hosts['a.example']!.modules, { ping: {} });
    });

    it('custom tags, non-1.2 directives, complex keys and dangling aliases are refused', () => {
      assert.deepEqual(problems(`${MIN}data_dir: !!binary ZGF0YQ==\nlog: !env {level: info}\n`), [
        'starling.yaml:3:1: data_dir: tag !!binary is not allowed (only plain YAML values are)',
        'starling.yaml:4:1: log: tag !env is not allowed (only plain YAML values are)',
      ]);
      // YAML 1.1 would read `no` as false, so a 1.1 directive is refused.
      assert.match(problems(`%YAML 1.1\n---\n${MIN}`)[0]!, /^starling\.yaml:1:1: %YAML 1\.1: only YAML 1\.2 is supported/);
      assert.match(problems(`${MIN}? [a, b]\n: 1\n`)[0]!, /^starling\.yaml:3:3: keys must be plain names/);
      assert.match(problems(`${MIN}modules: *nope\n`)[0]!, /^starling\.yaml:3:10: modules: alias \*nope refers to no anchor/);
    });

    it('alias expansion is bounded ("billion laughs")', () => {
      const bomb =
        'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n' +
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
      assert.match(problems(bomb)[0]!, /^starling\.yaml: .*aliases expand too much/);
    });

    it('a file larger than 1 MiB is refused before parsing', () => {
      assert.match(problems(MIN + '#'.repeat(1024 * 1024) + '\n')[0]!, /^starling\.yaml: the file is \d+ bytes, more than the 1048576 allowed/);
    });

    it('a document that is not a mapping is refused', () => {
      assert.match(problems('- a\n- b\n')[0]!, /^starling\.yaml:1:1: \(top level\): expected a mapping .*, got a list$/);
      assert.match(problems('')[0]!, /^starling\.yaml:1:1: hosts: at least one host is required/);
    });
  });

  describe('environment', () => {
    it('STARLING_LOG_LEVEL overrides log.level, in a file and in the defaults', () => {
      assert.equal(parse(`log: {level: info}\n${MIN}`, { STARLING_LOG_LEVEL: 'debug' }).config.log.level, 'debug');
      assert.equal(parse(MIN, { STARLING_LOG_LEVEL: 'WARN' }).config.log.level, 'warn');
      assert.equal(defaultConfig({ STARLING_LOG_LEVEL: 'trace' }).log.level, 'trace');
      assert.equal(parse(MIN, { STARLING_LOG_LEVEL: '' }).config.log.level, 'info');
    });

    it('an invalid STARLING_LOG_LEVEL is reported with the file problems, not ignored', () => {
      assert.deepEqual(problems(`${MIN}log: {format: xml}\n`, { STARLING_LOG_LEVEL: 'verbose' }), [
        'starling.yaml:3:15: log.format: expected one of: json, pretty, got "xml"',
        'environment: STARLING_LOG_LEVEL: expected one of: trace, debug, info, warn, error, fatal, silent, got "verbose"',
      ]);
      assert.throws(() => defaultConfig({ STARLING_LOG_LEVEL: 'verbose' }), ConfigError);
    });
  });

  it('reports every problem at once, in file order', () => {
    const text = [
      'log:',
      '  level: loud', // 2
      'listeners:',
      '  c2s:',
      '    port: -1', // 5
      '    tls: true', // 6
      'storage: {driver: postgres}', // 7
      'hosts:',
      '  "not a host": {}', // 9
      '  localhost:',
      '    tls: {cert: x.pem}', // 11
      'extra: 1', // 12
    ].join('\n');
    const found = problems(text);
    assert.deepEqual(
      found.map((p) => p.split(': ').slice(0, 2).join(': ')),
      [
        'starling.yaml:2:10: log.level',
        'starling.yaml:5:11: listeners.c2s.port',
        'starling.yaml:6:5: listeners.c2s.tls',
        'starling.yaml:7:1: storage.url',
        'starling.yaml:9:3: hosts.not a host',
        'starling.yaml:11:5: hosts.localhost.tls',
        'starling.yaml:12:1: extra',
      ],
    );
  });

  describe('loadConfig', () => {
    it('sets source to the absolute path and names the file as given in messages', async () => {
      const file = join(dir, 'good.yaml');
      await writeFile(file, MIN);
      const loaded = await loadConfig(file, NO_ENV);
      assert.equal(loaded.config.source, resolve(file));
      assert.equal(loaded.locate(['hosts', 'localhost']), `${file}:2:3`);
      assert.equal(loaded.locate(['limits', 'max_depth']), file, 'a key not in the file locates to the file');

      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, `${MIN}limits: {max_depth: 1}\n`);
      assert.deepEqual(await problemsAsync(() => loadConfig(bad, NO_ENV)), [
        `${bad}:3:21: limits.max_depth: expected an integer from 4 to 256, got 1`,
      ]);
    });

    it('a missing file, a folder or a non-UTF-8 file is a ConfigError with a clear message', async () => {
      const missing = join(dir, 'missing.yaml');
      assert.deepEqual(await problemsAsync(() => loadConfig(missing, NO_ENV)), [`${missing}: cannot read the configuration file: no such file`]);
      const folder = join(dir, 'folder.yaml');
      await mkdir(folder);
      assert.deepEqual(await problemsAsync(() => loadConfig(folder, NO_ENV)), [`${folder}: cannot read the configuration file: not a regular file`]);
      const latin1 = join(dir, 'latin1.yaml');
      await writeFile(latin1, Buffer.from([0x68, 0x6f, 0x73, 0x74, 0x73, 0x3a, 0x20, 0xe9, 0x0a]));
      assert.deepEqual(await problemsAsync(() => loadConfig(latin1, NO_ENV)), [`${latin1}: cannot read the configuration file: it is not UTF-8 text`]);
    });
  });
});
