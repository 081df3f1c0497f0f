// Storage interfaces. Modules and the core ask for a store by kind; the memory and knex
// implementations both pass the contract suite in test/storage/.

import type { PubsubStore, CapsStore } from './pubsub-types.js';
import type { ArchiveStore } from './archive-types.js';
import type { PushStore } from './push-types.js';

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
  /**
   * Replaces the credentials and revokes the account's FAST tokens (XEP-0484), which were granted
   * to logins with the old ones; resolves false when there is no such account.
   */
  setCredentials(host: string, username: string, credentials: Credentials): Promise<boolean>;
  /** Deletes the account and everything stored for it; resolves false when absent. */
  delete(host: string, username: string): Promise<boolean>;
  /** Usernames of a host, sorted by code point (UTF-8 byte order) in every backend. */
  list(host: string): Promise<string[]>;
  count(host: string): Promise<number>;
  /**
   * A counter that moves whenever an account or its credentials change, whoever changes them:
   * this process, the CLI, another process or plain SQL (in SQL backends the database's own
   * triggers keep it). Caches of account records compare it to notice writes they did not see.
   */
  epoch(): Promise<number>;
  /**
   * Notes after the one numbered `after` (0: every note kept), oldest first, at most `limit`.
   * Every deletion of an account and every write of its credentials (a new password, the
   * account created) is noted, whoever makes it (in SQL backends by the database's own
   * triggers), so a running server can end the sessions of accounts deleted or given new
   * credentials behind its back (the CLI, another process, plain SQL).
   */
  notesSince(after: number, limit: number): Promise<AccountNote[]>;
  /** Drops the notes up to and including number `upTo` (read and acted upon). */
  forgetNotes(upTo: number): Promise<void>;
}

/** A noted change to an account (AccountStore.notesSince); `seq` grows with every note. */
export interface AccountNote {
  seq: number;
  host: string;
  username: string;
  /** The account was deleted, or its credentials were written (a new password, or created). */
  kind: 'deleted' | 'credentials';
}

/** A small per-account key/value store for modules (private data, settings). */
export interface KeyValueStore {
  get(host: string, username: string, key: string): Promise<string | undefined>;
  /** Rejects when the account does not exist (data must not outlive, or predate, its account). */
  set(host: string, username: string, key: string, value: string): Promise<void>;
  /**
   * Sets many values in one transaction (write-behind buffers); entries of accounts that do not
   * exist (deleted meanwhile) are skipped. For the same account and key the last entry wins.
   * Resolves the number of distinct (account, key) values written.
   */
  setMany(entries: readonly KeyValueEntry[]): Promise<number>;
  delete(host: string, username: string, key: string): Promise<boolean>;
}

export interface KeyValueEntry {
  host: string;
  username: string;
  key: string;
  value: string;
}

/** Subscription state of a roster item (RFC 6121 §2.1.2.5). */
export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  /** The contact's bare JID, prepared. */
  jid: string;
  name?: string | undefined;
  subscription: Subscription;
  /** Outbound subscription request pending (the "Pending Out" states, shown as ask='subscribe'). */
  ask: boolean;
  /** Subscription pre-approved by the user (RFC 6121 §3.4). */
  approved: boolean;
  /** Groups, sorted, without duplicates. */
  groups: string[];
}

export interface Roster {
  /** Version of the roster (XEP-0237); grows by one with every change. 0 for an empty roster. */
  version: number;
  items: RosterItem[];
}

export interface RosterChanges {
  version: number;
  /** Items added or changed after the given version. */
  changed: RosterItem[];
  /** JIDs of items removed after the given version. */
  removed: string[];
  /** The version at which each JID of `changed` and `removed` last changed (XEP-0237 §2.4 order). */
  versions: Record<string, number>;
}

export interface RosterStore {
  get(host: string, username: string): Promise<Roster>;
  getItem(host: string, username: string, jid: string): Promise<RosterItem | undefined>;
  /** Adds or replaces an item; resolves with the new roster version. Rejects when the account does not exist. */
  setItem(host: string, username: string, item: RosterItem): Promise<number>;
  /** Removes an item; resolves with the new version, or undefined when there was no such item. */
  removeItem(host: string, username: string, jid: string): Promise<number | undefined>;
  /**
   * What changed after `version` (XEP-0237 §2.4), or undefined when that is unknown (a version
   * newer than the current one, or older than the oldest change kept): send the whole roster.
   */
  changesSince(host: string, username: string, version: number): Promise<RosterChanges | undefined>;
  count(host: string, username: string): Promise<number>;

  /**
   * Inbound subscription requests awaiting the user's answer (RFC 6121 §3.1.3), by contact JID:
   * a second request from the same JID replaces the first. Rejects when the account does not exist.
   */
  addPendingIn(host: string, username: string, jid: string, stanza: string): Promise<void>;
  removePendingIn(host: string, username: string, jid: string): Promise<boolean>;
  /** Sorted by JID (code point order). */
  listPendingIn(host: string, username: string): Promise<{ jid: string; stanza: string }[]>;
  /**
   * How many requests await the user's answer, and whether one of them is from `jid` (false
   * without one), without reading the stored stanzas: what each inbound subscription stanza
   * needs to know.
   */
  pendingInState(host: string, username: string, jid?: string): Promise<{ count: number; pending: boolean }>;

  /**
   * The accounts, on every host, that hold `jid` on their roster with a subscription, a request
   * or a pre-approval (an item with subscription 'none' and neither is left out), or hold a
   * request from it awaiting an answer; each account once, in no particular order.
   */
  holders(jid: string): Promise<{ host: string; username: string }[]>;
}

export interface OfflineMessage {
  id: number;
  /** The serialised stanza, with its delay stamp and stanza-id already added. */
  stanza: string;
  stored: Date;
}

export interface OfflineStore {
  /**
   * Stores a message unless the account already holds `limit` messages; resolves with the id,
   * or undefined when the quota is full. Must be durable when it resolves. Ids grow with every
   * push. Rejects when the account does not exist.
   */
  push(host: string, username: string, stanza: string, limit: number): Promise<number | undefined>;
  /** Oldest first. */
  list(host: string, username: string): Promise<OfflineMessage[]>;
  /** Deletes the given messages (after delivery). */
  remove(host: string, username: string, ids: number[]): Promise<void>;
  count(host: string, username: string): Promise<number>;
}

export interface BlockStore {
  /** Blocked JIDs (bare, full or domain), sorted. */
  list(host: string, username: string): Promise<string[]>;
  /** Adds JIDs (already present ones are ignored). Rejects when the account does not exist. */
  add(host: string, username: string, jids: string[]): Promise<void>;
  /** Removes the given JIDs, or all when `jids` is undefined. */
  remove(host: string, username: string, jids?: string[]): Promise<void>;
}

/** Registration invitations (tokens) for hosts whose registration is by invitation. */
export interface Invite {
  token: string;
  host: string;
  created: Date;
  expires: Date;
  /** How many more accounts the token may create. */
  usesLeft: number;
}

export interface InviteStore {
  /** Rejects when the host already has an invite with this token. */
  create(invite: Invite): Promise<void>;
  get(host: string, token: string): Promise<Invite | undefined>;
  /**
   * Uses the token once if it is valid at `now` (usesLeft > 0 and now < expires); resolves false
   * when it is not. Atomic. A used-up invite stays (usesLeft 0) until deleted.
   */
  consume(host: string, token: string, now: Date): Promise<boolean>;
  /** Oldest first (by created, then token). */
  list(host: string): Promise<Invite[]>;
  delete(host: string, token: string): Promise<boolean>;
}

export * from './pubsub-types.js';
export * from './archive-types.js';
export * from './push-types.js';

/** Which of a client's two FAST token places (XEP-0484 §"Server-side handling of multiple active tokens"). */
export type FastTokenSlot = 'current' | 'new';

/**
 * A FAST token (XEP-0484) of one client installation of an account. The token itself is never
 * stored: it is derived from `seed` with a secret kept outside storage, so a copy of the
 * database cannot be used to log in.
 */
export interface FastToken {
  host: string;
  username: string;
  /** The client's SASL2 user-agent id (a UUID, lower-case). */
  clientId: string;
  slot: FastTokenSlot;
  /** The HT mechanism the token is bound to, e.g. HT-SHA-256-NONE. */
  mechanism: string;
  /** Random bytes the token is derived from. */
  seed: Buffer;
  created: Date;
  expires: Date;
}

/**
 * FAST tokens: per client of an account at most a 'current' token (used before) and a 'new' one
 * (issued, not used yet). Everything goes with the account.
 */
export interface FastTokenStore {
  /** The client's tokens, 'new' first. */
  list(host: string, username: string, clientId: string): Promise<FastToken[]>;
  /**
   * Puts a token into the client's 'new' place, replacing one never used, and removes the
   * account's tokens expired at `token.created`. Rejects when the account does not exist.
   */
  issue(token: Omit<FastToken, 'slot'>): Promise<void>;
  /**
   * The 'new' token with this seed was used: it becomes the 'current' one, replacing the token
   * there. Atomic; false when the 'new' place no longer holds that token.
   */
  promote(host: string, username: string, clientId: string, seed: Buffer): Promise<boolean>;
  /** Removes one of the client's tokens, or both; resolves with how many there were. */
  revoke(host: string, username: string, clientId: string, slot?: FastTokenSlot): Promise<number>;
}

export interface Storage {
  readonly kind: string;
  readonly accounts: AccountStore;
  readonly keyValue: KeyValueStore;
  readonly roster: RosterStore;
  readonly offline: OfflineStore;
  readonly blocklist: BlockStore;
  readonly invites: InviteStore;
  readonly pubsub: PubsubStore;
  readonly caps: CapsStore;
  readonly archive: ArchiveStore;
  readonly push: PushStore;
  readonly fastTokens: FastTokenStore;
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
  /** Hot reads as named prepared statements (postgres; default true). */
  preparedStatements?: boolean;
}
