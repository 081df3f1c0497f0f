// Storage interfaces of message archives (XEP-0313, XEP-0441). Re-exported by types.ts.

/** Which messages an account archives (XEP-0441): by default, plus JIDs always or never archived. */
export interface ArchivePrefs {
  default: 'always' | 'never' | 'roster';
  /** Prepared JIDs (normally bare), sorted, without duplicates. */
  always: string[];
  never: string[];
}

/** One archived message of an account's archive (XEP-0313 §3). */
export interface ArchivedMessage {
  /** Unique within the archive; the archive's order is the code-point order of the ids. */
  id: string;
  /** When the message was sent (outgoing) or received (incoming), to the millisecond. */
  at: Date;
  /** Bare JID of the other party (the account's own for messages to itself). */
  with: string;
  /** Resource of the other party's JID, '' when it had none. */
  withResource: string;
  /** The serialised stanza. */
  stanza: string;
}

/** A message to archive: its archive (the account) and the message. */
export interface ArchiveEntry extends ArchivedMessage {
  host: string;
  username: string;
}

/** Selects messages of one archive; bounds are exclusive and compare ids in code-point order. */
export interface ArchiveFilter {
  /** Only messages with this bare JID... */
  with?: string | undefined;
  /** ...and, when given, this resource of it. */
  withResource?: string | undefined;
  after?: string | undefined;
  before?: string | undefined;
  /** Only these ids. */
  ids?: readonly string[] | undefined;
}

export interface ArchiveQuery extends ArchiveFilter {
  /** Most messages returned. */
  limit: number;
  /** The newest `limit` matches instead of the oldest (paging backwards). */
  fromEnd: boolean;
}

export interface ArchivePage {
  /** Oldest first, whatever the direction of the query. */
  messages: ArchivedMessage[];
  /** True when no further match lies beyond the page in the direction of the query. */
  complete: boolean;
}

export interface ArchiveStore {
  /**
   * Stores messages in one transaction; entries of accounts that do not exist are skipped, as are
   * ids already in their archive. Resolves with the number of entries of existing accounts.
   * Callers append ids in increasing order per archive.
   */
  append(entries: readonly ArchiveEntry[]): Promise<number>;
  query(host: string, username: string, q: ArchiveQuery): Promise<ArchivePage>;
  count(host: string, username: string, f: ArchiveFilter): Promise<number>;
  /** Those of `ids` that are not in the archive, in the order given. */
  missing(host: string, username: string, ids: readonly string[]): Promise<string[]>;
  /** The oldest and newest message, or undefined for an empty archive. */
  bounds(host: string, username: string): Promise<{ first: ArchivedMessage; last: ArchivedMessage } | undefined>;
  /** Deletes up to `limit` of the oldest messages of a host's archives stored before `before`; resolves with how many. */
  purge(host: string, before: Date, limit: number): Promise<number>;
  /** The account's preferences, or undefined when it never set any. */
  getPrefs(host: string, username: string): Promise<ArchivePrefs | undefined>;
  /** Rejects when the account does not exist. */
  setPrefs(host: string, username: string, prefs: ArchivePrefs): Promise<void>;
}
