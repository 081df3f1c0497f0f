// The configuration loader: defaults, the admin's example file, and errors that name the file,
// line, column and key path of every mistake at once. YAML itself, the environment and
// loadConfig's files are in loader-files.test.ts.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, loadConfig } from '../../../src/config/loader.js';
import type { Config } from '../../../src/config/types.js';
import { DEFAULT_MODULES } from '../../../src/config/schema.js';
import { MIN, NO_ENV, parse, problems } from '../../support/config-problems.js';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../config/starling.example.yaml');

const EXPECTED_DEFAULTS: Config = {
  log: { level: 'info', format: 'json' },
  data_dir: 'data',
  storage: { driver: 'sqlite', path: 'starling.sqlite', pool_max: 10, prepared_statements: true, account_cache: 10_000 },
  tls: { min_version: 'TLSv1.2' },
  listeners: {
    c2s: { enabled: true, addresses: ['0.0.0.0'], port: 5222, starttls_required: true },
    c2s_direct_tls: { enabled: true, addresses: ['0.0.0.0'], port: 5223 },
  },
  limits: {
    max_stanza_bytes: 262144,
    max_depth: 32,
    max_header_bytes: 8192,
    unauthenticated_timeout: 30,
    idle_timeout: 600,
    keepalive_interval: 60,
    max_connections_per_address: 50,
    max_resources_per_account: 10,
    max_unsent_bytes: 134217728,
    read_rate_bytes_per_second: 32768,
    read_burst_bytes: 524288,
    unauthenticated_read_rate_bytes_per_second: 4096,
    unauthenticated_read_burst_bytes: 32768,
  },
  auth: { scram_iterations: 10000, allow_plain: true, max_attempts_per_stream: 5, max_failures_per_account: 5, max_failures_per_address: 20, throttle_window: 60 },
  stream_management: { enabled: true, resume_timeout: 300, max_unacked: 5000, request_ack_every: 5 },
  sasl2: { enabled: true },
  fast: { enabled: true, token_lifetime: 1209600 },
  modules: DEFAULT_MODULES(),
  hosts: { localhost: { tls: {} } },
};
describe('config loader', () => {
  describe('defaults', () => {
    it('defaultConfig() is every documented default with the one host localhost', () => {
      assert.deepEqual(defaultConfig(NO_ENV), EXPECTED_DEFAULTS);
    });

    it('defaultConfig() returns a fresh object each time, so callers may change it', () => {
      const a = defaultConfig(NO_ENV);
      a.listeners.c2s.addresses.push('::');
      a.modules.ping!.x = 1;
      assert.deepEqual(defaultConfig(NO_ENV), EXPECTED_DEFAULTS);
    });

    it('a file with only a host gets every other default', () => {
      assert.deepEqual(parse(MIN).config, EXPECTED_DEFAULTS);
    });

    it('an empty section (`limits:` with nothing under it) means its defaults', () => {
      const { config } = parse(`log:\nlimits:\nauth:\n${MIN}`);
      assert.deepEqual(config, EXPECTED_DEFAULTS);
    });

    it('an empty `modules:` enables no module, and a module given as `name:` gets no options', () => {
      assert.deepEqual(parse(`modules:\n${MIN}`).config.modules, {});
      assert.deepEqual(parse(`modules:\n  ping:\n${MIN}`).config.modules, { ping: {} });
    });

    it('an empty host (`example.org:`) is a host with default settings', () => {
      assert.deepEqual(parse('hosts:\n  example.org:\n').config.hosts, { 'example.org': { tls: {} } });
    });
  });

  describe('the example file (config/starling.example.yaml)', () => {
    it('loads without errors and equals the built-in defaults', async () => {
      const { config } = await loadConfig(EXAMPLE, NO_ENV);
      assert.equal(config.source, EXAMPLE);
      const { source: _source, ...rest } = config;
      assert.deepEqual(rest, EXPECTED_DEFAULTS);
    });

    it('the commented second virtual host is valid once uncommented', async () => {
      const lines = (await readFile(EXAMPLE, 'utf8')).split('\n');
      const start = lines.findIndex((l) => l.includes('A second virtual host'));
      assert.ok(start > 0, 'the example shows a second host');
      const block = lines.slice(start + 1).filter((l) => /^ {2}# /.test(l)).map((l) => l.replace(/^ {2}# /, '  '));
      const { config } = parse(lines.slice(0, start).join('\n') + '\n' + block.join('\n') + '\n');
      assert.deepEqual(Object.keys(config.hosts), ['localhost', 'example.org']);
      const host = config.hosts['example.org']!;
      assert.equal(host.tls.cert, '/etc/letsencrypt/live/example.org/fullchain.pem');
      assert.equal(host.tls.key, '/etc/letsencrypt/live/example.org/privkey.pem');
      assert.deepEqual(host.modules, { disco: { name: 'Example chat' }, ping: {}, version: { show_os: false } });
    });

    it('every option of the schema appears in the example', async () => {
      const text = await readFile(EXAMPLE, 'utf8');
      const walk = (value: unknown, into: string[]): string[] => {
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          for (const [k, v] of Object.entries(value)) {
            into.push(k);
            walk(v, into);
          }
        }
        return into;
      };
      const keys = walk({ ...EXPECTED_DEFAULTS, modules: {}, hosts: {} }, []);
      for (const key of [...keys, 'url', 'cert', 'key']) assert.match(text, new RegExp(`^\\s*#?\\s*${key}:`, 'm'), key);
    });
  });

  describe('unknown keys', () => {
    it('a top-level unknown key is refused, pointing at the key, with the keys expected', () => {
      assert.deepEqual(problems(`${MIN}colour: blue\n`), [
        'starling.yaml:3:1: colour: unknown key (expected one of: log, data_dir, storage, tls, listeners, limits, auth, stream_management, sasl2, fast, modules, hosts)',
      ]);
    });

    it('a nested unknown key is refused with its full key path', () => {
      assert.deepEqual(problems(`${MIN}listeners:\n  c2: {}\n`), [
        'starling.yaml:4:3: listeners.c2: unknown key (expected one of: c2s, c2s_direct_tls)',
      ]);
    });

    it('an unknown key inside a host is refused', () => {
      assert.deepEqual(problems('hosts:\n  localhost:\n    tsl: {}\n'), [
        'starling.yaml:3:5: hosts.localhost.tsl: unknown key (expected one of: tls, modules)',
      ]);
    });
  });

  describe('values', () => {
    it('a wrong type names what was expected and what was found', () => {
      assert.deepEqual(problems(`${MIN}limits:\n  max_stanza_bytes: "lots"\n`), [
        'starling.yaml:4:21: limits.max_stanza_bytes: expected an integer from 1024 to 16777216, got "lots"',
      ]);
      assert.deepEqual(problems(`${MIN}auth:\n  allow_plain: "yes"\n`), [
        'starling.yaml:4:16: auth.allow_plain: expected true or false, got "yes"',
      ]);
      assert.deepEqual(problems(`${MIN}limits: 5\n`), [
        'starling.yaml:3:9: limits: expected a mapping with the keys: max_stanza_bytes, max_depth, max_header_bytes, ' +
          'unauthenticated_timeout, idle_timeout, keepalive_interval, max_connections_per_address, max_resources_per_account, ' +
          'max_unsent_bytes, read_rate_bytes_per_second, read_burst_bytes, unauthenticated_read_rate_bytes_per_second, unauthenticated_read_burst_bytes, got 5',
      ]);
    });

    it('a quoted number is a string, not a number', () => {
      assert.match(problems(`${MIN}listeners:\n  c2s:\n    port: "5222"\n`)[0]!, /listeners\.c2s\.port: expected an integer .*, got "5222"$/);
    });

    it('values outside their bounds are refused with the range', () => {
      assert.deepEqual(problems(`${MIN}listeners:\n  c2s:\n    port: 70000\nlimits:\n  max_depth: 3\n  idle_timeout: 1.5\n`), [
        'starling.yaml:5:11: listeners.c2s.port: expected an integer from 0 (any free port) to 65535, got 70000',
        'starling.yaml:7:14: limits.max_depth: expected an integer from 4 to 256, got 3',
        'starling.yaml:8:17: limits.idle_timeout: expected an integer from 0 (off) to 86400, got 1.5',
      ]);
      assert.match(problems(`${MIN}auth:\n  scram_iterations: 1000\n`)[0]!, /auth\.scram_iterations: expected an integer from 4096 to 1000000, got 1000/);
      assert.match(problems(`${MIN}tls:\n  min_version: TLSv1.1\n`)[0]!, /tls\.min_version: expected one of: TLSv1\.2, TLSv1\.3, got "TLSv1\.1"/);
    });

    it('the bounds themselves are accepted (port 0 picks a free port for tests)', () => {
      const { config } = parse(
        `${MIN}listeners:\n  c2s: {port: 0}\n  c2s_direct_tls: {port: 65535}\n` +
          'limits: {max_stanza_bytes: 16777216, max_depth: 4, idle_timeout: 0, keepalive_interval: 0}\n',
      );
      assert.equal(config.listeners.c2s.port, 0);
      assert.equal(config.listeners.c2s_direct_tls.port, 65535);
      assert.equal(config.limits.max_stanza_bytes, 16 * 1024 * 1024);
      assert.equal(config.limits.idle_timeout, 0);
    });

    it('listener addresses must be IP addresses, listed once', () => {
      assert.deepEqual(problems(`${MIN}listeners:\n  c2s:\n    addresses: ['::', localhost, '::']\n`), [
        'starling.yaml:5:5: listeners.c2s.addresses: an address is listed twice',
        'starling.yaml:5:23: listeners.c2s.addresses[1]: expected an IP address such as 0.0.0.0 or ::, got "localhost"',
      ]);
      assert.deepEqual(parse(`${MIN}listeners:\n  c2s:\n    addresses: ['0.0.0.0', '::']\n`).config.listeners.c2s.addresses, ['0.0.0.0', '::']);
    });

    it('the two client listeners cannot share a port', () => {
      assert.deepEqual(problems(`${MIN}listeners:\n  c2s_direct_tls:\n    port: 5222\n`), [
        'starling.yaml:5:11: listeners.c2s_direct_tls.port: port 5222 is already used by listeners.c2s',
      ]);
      // ...unless one of them is off, or both pick a free port.
      parse(`${MIN}listeners:\n  c2s_direct_tls:\n    enabled: false\n    port: 5222\n`);
      parse(`${MIN}listeners:\n  c2s: {port: 0}\n  c2s_direct_tls: {port: 0}\n`);
    });
  });

  describe('hosts', () => {
    it('at least one host is required', () => {
      assert.deepEqual(problems('log: {level: info}\n'), [
        'starling.yaml:1:1: hosts: at least one host is required, e.g. "hosts: { example.org: {} }"',
      ]);
      assert.deepEqual(problems('hosts: {}\n'), ['starling.yaml:1:1: hosts: at least one host is required, e.g. "hosts: { example.org: {} }"']);
    });

    it('a certificate without its key (or a key without its certificate) is refused', () => {
      assert.deepEqual(problems('hosts:\n  localhost:\n    tls:\n      cert: a.pem\n'), [
        'starling.yaml:3:5: hosts.localhost.tls: give both cert and key, or neither (key is missing)',
      ]);
      assert.match(problems('hosts:\n  localhost:\n    tls: {key: a.key}\n')[0]!, /hosts\.localhost\.tls: give both cert and key, or neither \(cert is missing\)/);
      assert.deepEqual(parse('hosts:\n  localhost:\n    tls: {cert: a.pem, key: a.key}\n').config.hosts.localhost!.tls, { cert: 'a.pem', key: 'a.key' });
    });

    it('an invalid host name is refused, pointing at the name (RFC 1123 §2.1)', () => {
      assert.deepEqual(problems('hosts:\n  localhost: {}\n  "bad host": {}\n  -x-.org: {}\n'), [
        'starling.yaml:3:3: hosts.bad host: not a valid domain name (expected a host name such as example.org)',
        'starling.yaml:4:3: hosts.-x-.org: not a valid domain name (expected a host name such as example.org)',
      ]);
      assert.match(problems('hosts:\n  127.0.0.1: {}\n')[0]!, /^starling\.yaml:2:3: hosts\.127\.0\.0\.1: not a valid domain name/);
      assert.match(problems('hosts:\n  under_score.org: {}\n')[0]!, /hosts\.under_score\.org: not a valid domain name/);
    });

    it('host names are lower-cased like JID domainparts (RFC 7622 §3.2), and a duplicate by case is refused', () => {
      const loaded = parse('hosts:\n  Example.ORG:\n    modules:\n      ping: {interval: 5}\n  BÜCHER.example: {}\n');
      assert.deepEqual(Object.keys(loaded.config.hosts), ['example.org', 'bücher.example']);
      // locate() finds the key as written for the canonical name.
      assert.equal(loaded.locate(['hosts', 'example.org']), 'starling.yaml:2:3');
      assert.equal(loaded.locate(['hosts', 'example.org', 'modules', 'ping', 'interval']), 'starling.yaml:4:24');
      assert.deepEqual(problems('hosts:\n  example.org: {}\n  Example.org: {}\n'), [
        'starling.yaml:3:3: hosts.Example.org: the same host as "example.org" (host names ignore case)',
      ]);
    });

    it('several virtual hosts each get their own module set, replacing the top-level one', () => {
      const { config } = parse(
        'modules:\n  ping: {}\n  disco: {name: Main}\n' +
          'hosts:\n  a.example: {}\n  b.example:\n    modules:\n      version: {show_os: true}\n  c.example:\n    modules:\n',
      );
      assert.deepEqual(config.modules, { ping: {}, disco: { name: 'Main' } });
      assert.equal(config.hosts['a.example']!.modules, undefined);
      assert.deepEqual(config.hosts['b.example']!.modules, { version: { show_os: true } });
      assert.deepEqual(config.hosts['c.example']!.modules, {});
    });

    it('module names must be simple names and module options mappings', () => {
      assert.deepEqual(problems('modules:\n  Ping: {}\n  time: 5\n' + MIN), [
        'starling.yaml:2:3: modules.Ping: expected a module name (lower-case letters, digits, "_" or "-")',
        'starling.yaml:3:9: modules.time: expected a mapping of module options (or nothing), got 5',
      ]);
    });
  });

  describe('storage', () => {
    it('driver postgres requires a url, reported at the storage section', () => {
      assert.deepEqual(problems(`${MIN}storage:\n  driver: postgres\n`), [
        'starling.yaml:3:1: storage.url: required when driver is postgres (e.g. postgres://starling@localhost/starling)',
      ]);
      const { config } = parse(`${MIN}storage:\n  driver: postgres\n  url: postgres://u:p@db/starling\n`);
      assert.equal(config.storage.url, 'postgres://u:p@db/starling');
    });

    it('a url without driver postgres is refused, and a url is never echoed (it may hold a password)', () => {
      const found = problems(`${MIN}storage:\n  url: postgres://u:secret@db/starling\n`);
      assert.deepEqual(found, ['starling.yaml:4:8: storage.url: only used with driver postgres, but driver is sqlite']);
      const bad = problems(`${MIN}storage:\n  driver: postgres\n  url: mysql://u:secret@db/x\n`);
      assert.deepEqual(bad, ['starling.yaml:5:8: storage.url: expected a postgres:// or postgresql:// URL']);
    });
  });
});
