// The configuration schema: one entry per option with its type, default, bounds and a one-line
// doc (`.describe`). Every mapping is strict, so a misspelt key stops the server with a precise
// message instead of being silently ignored. config/starling.example.yaml documents the same
// options for admins; loader.ts turns the issues raised here into "file:line:col: key: ..." lines.
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { prepDomain } from '../xmpp/jid.js';
import { ipVersion } from '../xmpp/ip.js';
import type { Config, LogLevel } from './types.js';
import { bool, int, oneOf, section, strict, text } from './schema-kit.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const satisfies readonly LogLevel[];

const MAX_HOSTS = 10_000;
const MAX_ADDRESSES = 16;

/** Options of one module: a mapping, validated by the module itself at load; empty means none. */
const moduleOptions = z
  .record(z.string(), z.unknown(), { error: 'expected a mapping of module options (or nothing)' })
  .nullable()
  .transform((options) => options ?? {});

const moduleName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, { error: 'expected a module name (lower-case letters, digits, "_" or "-")' });

/** Module name -> options. An empty `modules:` means no modules. */
const moduleMap = z
  .record(moduleName, moduleOptions, { error: 'expected a mapping of module name to module options' })
  .nullable()
  .transform((modules) => modules ?? {});

export const DEFAULT_MODULES = (): Record<string, Record<string, unknown>> => ({
  disco: {}, ping: {}, version: {}, time: {}, blocking: {}, offline: {}, register: {}, presence: {}, vcard: {}, private: {},
  last: {}, roster: {}, carbons: {}, csi: {}, caps: {}, pep: {}, mam: {}, push: {},
});

// ---- host names ------------------------------------------------------------------------------

/**
 * The canonical form of a virtual host name (lower-cased, NFC, IDN labels in Unicode, as the
 * router sees JID domainparts), or undefined when it is not a valid DNS host name. IP literals
 * are refused: a virtual host needs a name that certificates and SRV records can carry.
 */
export function canonicalHostName(name: string): string | undefined {
  if (ipVersion(name) || (name.startsWith('[') && name.endsWith(']'))) return undefined;
  let prepped: string;
  try {
    prepped = prepDomain(name);
  } catch {
    return undefined;
  }
  if (ipVersion(prepped)) return undefined;
  const ascii = domainToASCII(prepped);
  if (!ascii) return undefined;
  // RFC 1123 §2.1 host names: letters, digits and inner hyphens; no underscores.
  const ldh = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  return ascii.split('.').every((label) => ldh.test(label)) ? prepped : undefined;
}

const hostName = z
  .string()
  .refine((name) => canonicalHostName(name) !== undefined, {
    error: 'not a valid domain name (expected a host name such as example.org)',
  });

// ---- sections --------------------------------------------------------------------------------

const ipAddress = z
  .string({ error: 'expected an IP address such as 0.0.0.0 or ::' })
  .refine((address) => ipVersion(address) !== 0, { error: 'expected an IP address such as 0.0.0.0 or ::' });

function addresses() {
  return z
    .array(ipAddress, { error: 'expected a list of IP addresses, e.g. [0.0.0.0]' })
    .min(1, { error: `expected 1 to ${MAX_ADDRESSES} addresses` })
    .max(MAX_ADDRESSES, { error: `expected 1 to ${MAX_ADDRESSES} addresses` })
    .refine((list) => new Set(list).size === list.length, { error: 'an address is listed twice' })
    // '::' alone is dual-stack only where the kernel allows it (net.ipv6.bindv6only=0) and fails
    // where IPv6 is disabled, so the portable default is IPv4's wildcard; add '::' for IPv6.
    .default(() => ['0.0.0.0'])
    .describe('Addresses to listen on');
}

const port = (def: number) =>
  int(0, 65535, def, 'TCP port (0 picks a free port, for tests)', 'any free port');

const log = section(
  {
    level: oneOf(LOG_LEVELS, 'info', 'Least severe level written (STARLING_LOG_LEVEL overrides it)'),
    format: oneOf(['json', 'pretty'], 'json', 'One JSON object per line, or terse lines for humans'),
  },
  'Logging',
);

const storage = section(
  {
    driver: oneOf(['memory', 'sqlite', 'postgres'], 'sqlite', 'Storage backend'),
    path: text('a file path').default('starling.sqlite').describe('SQLite database file, relative to data_dir'),
    url: text('a postgres:// URL')
      .refine(isPostgresUrl, { error: 'expected a postgres:// or postgresql:// URL' })
      .optional()
      .describe('PostgreSQL connection URL'),
    pool_max: int(1, 100, 10, 'Most database connections open at once'),
    prepared_statements: bool(true, 'PostgreSQL: run the reads made at every login as named prepared statements'),
    account_cache: int(0, 1_000_000, 10_000, 'Accounts whose records (credentials included) are kept in memory; 0 reads storage at every login'),
  },
  'Storage backend',
).superRefine((s, ctx) => {
  if (s.driver === 'postgres' && s.url === undefined) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when driver is postgres (e.g. postgres://starling@localhost/starling)' });
  } else if (s.driver !== 'postgres' && s.url !== undefined) {
    // A url with another driver is almost always a forgotten `driver: postgres`.
    ctx.addIssue({ code: 'custom', path: ['url'], message: `only used with driver postgres, but driver is ${s.driver}` });
  }
});
// (prepared_statements is accepted with every driver: it has a default, so it cannot tell a
// forgotten `driver: postgres` from an untouched file.)

function isPostgresUrl(url: string): boolean {
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'postgres:' || protocol === 'postgresql:';
  } catch {
    return false;
  }
}

const listeners = section(
  {
    c2s: section(
      {
        enabled: bool(true, 'Accept client connections with STARTTLS'),
        addresses: addresses(),
        port: port(5222),
        starttls_required: bool(true, 'Refuse to authenticate before STARTTLS'),
      },
      'Client connections (RFC 6120)',
    ),
    c2s_direct_tls: section(
      {
        enabled: bool(true, 'Accept client connections that start with TLS'),
        addresses: addresses(),
        port: port(5223),
      },
      'Client connections over direct TLS (XEP-0368)',
    ),
  },
  'Listening sockets',
).superRefine((l, ctx) => {
  const a = l.c2s;
  const b = l.c2s_direct_tls;
  if (a.enabled && b.enabled && a.port !== 0 && a.port === b.port) {
    ctx.addIssue({ code: 'custom', path: ['c2s_direct_tls', 'port'], message: `port ${b.port} is already used by listeners.c2s` });
  }
});

const limits = section(
  {
    max_stanza_bytes: int(1024, 16 * 1024 * 1024, 262_144, 'Largest stanza accepted, in bytes'),
    max_depth: int(4, 256, 32, 'Deepest element nesting inside a stanza'),
    max_header_bytes: int(512, 65_536, 8192, 'Bytes accepted before the stream header is complete'),
    unauthenticated_timeout: int(1, 600, 30, 'Seconds to authenticate and bind'),
    idle_timeout: int(0, 86_400, 600, 'Seconds of silence before a stream is closed', 'off'),
    keepalive_interval: int(0, 3600, 60, 'Seconds between whitespace keepalives', 'off'),
    max_connections_per_address: int(0, 1_000_000, 50, 'Open client connections per IP address (IPv6: per /64)', 'no limit'),
    max_resources_per_account: int(0, 10_000, 10, 'Resources one account may bind at once', 'no limit'),
    max_unsent_bytes: int(1 << 20, 1 << 30, 128 << 20, 'Bytes waiting to be sent to a client that does not read, before its connection is dropped'),
    read_rate_bytes_per_second: int(0, 1 << 30, 32_768, 'Bytes per second read from an authenticated stream', 'no limit'),
    read_burst_bytes: int(1024, 1 << 30, 524_288, 'Bytes an authenticated stream may send at once before its rate applies'),
    unauthenticated_read_rate_bytes_per_second: int(0, 1 << 30, 4096, 'Bytes per second read before authentication', 'no limit'),
    unauthenticated_read_burst_bytes: int(1024, 1 << 30, 32_768, 'Bytes sent at once before authentication before the rate applies'),
  },
  'Resource limits',
);

const auth = section(
  {
    scram_iterations: int(4096, 1_000_000, 10_000, 'PBKDF2 iterations for newly set passwords'),
    allow_plain: bool(true, 'Offer SASL PLAIN over TLS'),
    max_attempts_per_stream: int(2, 5, 5, 'Failed SASL attempts on one stream before it is closed'),
    max_failures_per_account: int(1, 10_000, 5, 'Failed logins per account per throttle_window'),
    max_failures_per_address: int(1, 10_000, 20, 'Failed logins per client address per throttle_window'),
    throttle_window: int(1, 86_400, 60, 'Seconds a failed login counts'),
  },
  'Authentication',
);

const streamManagement = section(
  {
    enabled: bool(true, 'Offer stream management (XEP-0198) to clients'),
    resume_timeout: int(0, 86_400, 300, 'Seconds a dropped session waits to be resumed', 'no resumption'),
    max_unacked: int(10, 100_000, 5000, 'Most unacknowledged stanzas kept per session'),
    request_ack_every: int(1, 1000, 5, 'Unacknowledged stanzas sent before the server asks for an acknowledgement'),
  },
  'Stream management (XEP-0198)',
);

const sasl2 = section(
  {
    enabled: bool(true, 'Offer SASL2 (XEP-0388) with Bind 2 (XEP-0386) to clients over TLS'),
  },
  'Extensible SASL profile (XEP-0388)',
);

const fast = section(
  {
    enabled: bool(true, 'Offer FAST authentication tokens (XEP-0484) inside SASL2'),
    token_lifetime: int(60, 31_536_000, 1_209_600, 'Seconds a FAST token stays valid'),
  },
  'Fast authentication tokens (XEP-0484)',
);

const hostTls = section(
  {
    cert: text('a file path').optional().describe('PEM certificate chain file'),
    key: text('a file path').optional().describe('PEM private key file'),
  },
  'Certificate of this host; none makes a self-signed one',
).superRefine((tls, ctx) => {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const missing = tls.cert === undefined ? 'cert' : 'key';
    ctx.addIssue({ code: 'custom', message: `give both cert and key, or neither (${missing} is missing)` });
  }
});

const host = section(
  {
    tls: hostTls,
    modules: moduleMap.optional().describe('Module set of this host; replaces the top-level modules'),
  },
  'One virtual host',
);

const hosts = z
  .preprocess(
    (value) => value ?? {},
    z.record(hostName, host, { error: 'expected a mapping of host name to host settings' }),
  )
  .superRefine((map, ctx) => {
    const names = Object.keys(map);
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one host is required, e.g. "hosts: { example.org: {} }"' });
    if (names.length > MAX_HOSTS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_HOSTS} hosts are allowed` });
    const seen = new Map<string, string>();
    for (const name of names) {
      const canonical = canonicalHostName(name) ?? name;
      const first = seen.get(canonical);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [name], params: { at: 'key' }, message: `the same host as "${first}" (host names ignore case)` });
      } else {
        seen.set(canonical, name);
      }
    }
  })
  .transform((map) => {
    const out: Record<string, z.output<typeof host>> = {};
    for (const [name, settings] of Object.entries(map)) out[canonicalHostName(name) ?? name] = settings;
    return out;
  })
  .describe('Virtual hosts served (at least one), keyed by domain name');

// ---- the whole file --------------------------------------------------------------------------

export const configSchema = strict({
  log,
  data_dir: text('a folder path').default('data').describe('Folder for the database, generated certificates and other state'),
  storage,
  tls: section({ min_version: oneOf(['TLSv1.2', 'TLSv1.3'], 'TLSv1.2', 'Oldest TLS version accepted') }, 'TLS'),
  listeners,
  limits,
  auth,
  stream_management: streamManagement,
  sasl2,
  fast,
  modules: moduleMap.default(DEFAULT_MODULES).describe('Default module set of every host'),
  hosts,
});

// Compile-time check that the schema produces exactly the Config shape (types.ts), both ways.
type AssignableBothWays<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesConfig: AssignableBothWays<z.output<typeof configSchema>, Config> = true;
void schemaMatchesConfig;
