// Storage interfaces. Modules and the core ask for a store by kind; the memory and knex
// implementations both pass the contract suite in test/storage/.

/** Salted SCRAM keys for one hash (RFC 5802 §3); the password itself is never stored. */
export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export type ScramHash = 'sha1' | 'sha256';

export type Credentials = Record<ScramHash, ScramCredential>;

export interface AccountRecord {
  host: string;
  username: string;
  credentials: Credentials;
  createdAt: Date;
}

export interface AccountStore {
  /** Creates an account; resolves false when it exists already. */
  create(host: string, username: string, credentials: Credentials): Promise<boolean>;
  get(host: string, username: string): Promise<AccountRecord | undefined>;
  /** Replaces the credentials; resolves false when there is no such account. */
  setCredentials(host: string, username: string, credentials: Credentials): Promise<boolean>;
  /** Deletes the account and everything stored for it; resolves false when absent. */
  delete(host: string, username: string): Promise<boolean>;
  /** Usernames of a host, sorted by code point (UTF-8 byte order) in every backend. */
  list(host: string): Promise<string[]>;
  count(host: string): Promise<number>;
}

/** A small per-account key/value store for modules (private data, settings). */
export interface KeyValueStore {
  get(host: string, username: string, key: string): Promise<string | undefined>;
  /** Rejects when the account does not exist (data must not outlive, or predate, its account). */
  set(host: string, username: string, key: string, value: string): Promise<void>;
  delete(host: string, username: string, key: string): Promise<boolean>;
}

export interface Storage {
  readonly kind: string;
  readonly accounts: AccountStore;
  readonly keyValue: KeyValueStore;
  /** Brings the schema to the newest version (no-op for memory). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface StorageConfig {
  /** 'memory' for tests, 'sqlite' (default) or 'postgres'. */
  driver: 'memory' | 'sqlite' | 'postgres';
  /** SQLite file path (driver sqlite). */
  path?: string;
  /** Connection URL (driver postgres). */
  url?: string;
  /** Connection pool upper bound (postgres). */
  poolMax?: number;
}
