// The validated configuration, as the loader returns it. Keys are the YAML keys
// (config/starling.example.yaml documents each). The zod schema in schema.ts must infer
// exactly this shape; a compile-time check there keeps the two in step.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface ListenerConfig {
  enabled: boolean;
  /** IP addresses to bind, e.g. ['0.0.0.0', '::'] (default ['0.0.0.0']). */
  addresses: string[];
  port: number;
}

export interface C2sListenerConfig extends ListenerConfig {
  /** Refuse to authenticate before STARTTLS (RFC 6120 §5.3.1 'required'). */
  starttls_required: boolean;
}

export interface HostTlsConfig {
  /**
   * Path of a PEM certificate chain file; both cert and key, or neither (then a self-signed one
   * is made). Relative paths are as written in the file (the loader does not resolve them).
   */
  cert?: string | undefined;
  /** Path of the PEM private key file for `cert`. */
  key?: string | undefined;
}

export interface HostConfig {
  tls: HostTlsConfig;
  /** Module name -> options. Replaces the top-level `modules` map for this host when given. */
  modules?: Record<string, Record<string, unknown>> | undefined;
}

export interface Limits {
  /** Largest stanza accepted, in bytes (RFC 6120 §13.12 resource exhaustion). */
  max_stanza_bytes: number;
  /** Deepest element nesting inside a stanza. */
  max_depth: number;
  /** Bytes accepted before the stream header is complete. */
  max_header_bytes: number;
  /** Seconds a connection may take to authenticate and bind. */
  unauthenticated_timeout: number;
  /** Seconds of silence after which an authenticated stream is closed (connection-timeout). */
  idle_timeout: number;
  /** Seconds between whitespace keepalives the server sends on quiet streams. */
  keepalive_interval: number;
  /** Client connections open at once per IP address (IPv6: per /64); 0 for no limit. */
  max_connections_per_address: number;
  /**
   * Bytes waiting to be sent to a client that does not read: past 1 MiB its own stream is no
   * longer read; past this, its connection is dropped (a resumable session waits as after any
   * drop).
   */
  max_unsent_bytes: number;
  /** Resources one account may have bound at once (RFC 6120 §7.6.2.1); 0 for no limit. */
  max_resources_per_account: number;
  /** Token-bucket rate of reading from an authenticated stream, bytes per second; 0 for none. */
  read_rate_bytes_per_second: number;
  /** Bucket size of that rate: bytes an authenticated stream may send at once. */
  read_burst_bytes: number;
  /** Token-bucket rate of reading before authentication, bytes per second; 0 for none. */
  unauthenticated_read_rate_bytes_per_second: number;
  /** Bucket size of the unauthenticated rate. */
  unauthenticated_read_burst_bytes: number;
}

export interface AuthConfig {
  /** PBKDF2 iterations for newly set passwords (RFC 7677 recommends at least 4096). */
  scram_iterations: number;
  /** Offer PLAIN over TLS (checked against stored SCRAM keys). */
  allow_plain: boolean;
  /** Failed SASL attempts on one stream before the stream is closed (RFC 6120 §6.4.5). */
  max_attempts_per_stream: number;
  /** Failed logins allowed per account within `throttle_window` before refusing. */
  max_failures_per_account: number;
  /** Failed logins allowed per client address within `throttle_window`. */
  max_failures_per_address: number;
  /** Seconds a failure counts against an account or address. */
  throttle_window: number;
}

/** Stream management (XEP-0198) on client streams. */
export interface StreamManagementConfig {
  /** Offer stream management (acknowledgements and, with resume_timeout > 0, resumption). */
  enabled: boolean;
  /** Seconds a dropped session is kept for resumption (its hibernation window); 0 turns resumption off. */
  resume_timeout: number;
  /** Most stanzas sent to one session and not yet acknowledged; past it the stream is closed. */
  max_unacked: number;
  /** The server asks for an acknowledgement after this many unacknowledged stanzas (and when it goes quiet). */
  request_ack_every: number;
}

/** The extensible SASL profile (XEP-0388) with Bind 2 (XEP-0386) on client streams. */
export interface Sasl2Config {
  /** Offer SASL2 beside classic SASL once TLS is in place. */
  enabled: boolean;
}

/** Fast authentication tokens (XEP-0484) inside SASL2. */
export interface FastConfig {
  /** Offer FAST tokens (needs sasl2.enabled). */
  enabled: boolean;
  /** Seconds a token stays valid; one used in the second half of its life is replaced. */
  token_lifetime: number;
}

export interface StorageSection {
  driver: 'memory' | 'sqlite' | 'postgres';
  /** SQLite database file, relative to data_dir unless absolute. */
  path: string;
  /** PostgreSQL connection URL. */
  url?: string | undefined;
  pool_max: number;
  /** PostgreSQL: hot reads as named prepared statements (storage/knex/pg-read.ts). */
  prepared_statements: boolean;
  /** Accounts kept in memory by core/account-cache.ts; 0 turns it off. */
  account_cache: number;
}

export interface Config {
  /** Absolute path of the file this was loaded from, if any. */
  source?: string | undefined;
  log: { level: LogLevel; format: 'json' | 'pretty' };
  /** Folder for the database, generated certificates and other state. */
  data_dir: string;
  storage: StorageSection;
  tls: { min_version: 'TLSv1.2' | 'TLSv1.3' };
  listeners: { c2s: C2sListenerConfig; c2s_direct_tls: ListenerConfig };
  limits: Limits;
  auth: AuthConfig;
  stream_management: StreamManagementConfig;
  sasl2: Sasl2Config;
  fast: FastConfig;
  /** Default module set (name -> options) for every host. */
  modules: Record<string, Record<string, unknown>>;
  hosts: Record<string, HostConfig>;
}
