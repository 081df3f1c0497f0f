// Storage interfaces of personal eventing (XEP-0163 on XEP-0060) and entity capabilities
// (XEP-0115). Re-exported by types.ts.

/** Node access models of XEP-0060 §4.5 that a personal (PEP) node can have. */
export type PubsubAccessModel = 'open' | 'presence' | 'roster' | 'whitelist';
export type PubsubSendLast = 'never' | 'on_sub' | 'on_sub_and_presence';

/**
 * A node's configuration where it differs from the service's defaults (XEP-0060 §16.4.3,
 * pubsub#node_config): an absent field takes the default of the service at the time of use.
 */
export interface PubsubNodeConfig {
  title?: string;
  access_model?: PubsubAccessModel;
  /** Items kept; 'max' is the most the service allows. */
  max_items?: number | 'max';
  persist_items?: boolean;
  deliver_notifications?: boolean;
  deliver_payloads?: boolean;
  notify_retract?: boolean;
  notify_delete?: boolean;
  send_last_published_item?: PubsubSendLast;
  /** Roster groups whose contacts may access a node with access model 'roster'. */
  roster_groups_allowed?: string[];
}

/** Affiliations besides the owner's (XEP-0060 §4.1): 'member' passes a whitelist, 'outcast' is shut out. */
export type PubsubAffiliation = 'member' | 'outcast';

export interface PubsubNode {
  node: string;
  config: PubsubNodeConfig;
  /** Bare JID -> affiliation. */
  affiliations: Record<string, PubsubAffiliation>;
  created: Date;
}

export interface PubsubItem {
  id: string;
  /** The serialised payload element; '' for an item without payload. */
  payload: string;
  /** JID of the publisher, as the service stamped it. */
  publisher: string;
  published: Date;
}

/**
 * Nodes and items of each account's personal pubsub service (XEP-0163, XEP-0060). Items of a
 * node are kept in publication order: a re-published id becomes the newest. Everything goes
 * with the account.
 */
export interface PubsubStore {
  /** The account's nodes, sorted by name (code point order). */
  listNodes(host: string, username: string): Promise<PubsubNode[]>;
  getNode(host: string, username: string, node: string): Promise<PubsubNode | undefined>;
  /**
   * Creates a node, unless it exists ('exists') or the account has `maxNodes` nodes already
   * ('limit'); atomic. Rejects when the account does not exist.
   */
  createNode(host: string, username: string, node: string, config: PubsubNodeConfig, maxNodes: number): Promise<'created' | 'exists' | 'limit'>;
  /** Replaces the configuration and/or affiliations given; false when there is no such node. */
  updateNode(host: string, username: string, node: string, changes: { config?: PubsubNodeConfig; affiliations?: Record<string, PubsubAffiliation> }): Promise<boolean>;
  /** Deletes the node with its items and subscriptions; false when absent. */
  deleteNode(host: string, username: string, node: string): Promise<boolean>;
  /**
   * Stores an item as the node's newest (replacing one with the same id), then removes the
   * oldest items beyond `maxItems`; resolves with the ids removed that way, oldest first. Atomic.
   * Rejects when the node does not exist.
   */
  publish(host: string, username: string, node: string, item: PubsubItem, maxItems: number): Promise<string[]>;
  /** Items oldest first: all, those with the given ids, or the newest `last`. */
  items(host: string, username: string, node: string, select?: { ids?: readonly string[]; last?: number }): Promise<PubsubItem[]>;
  /** The newest item of each of the account's nodes that has items. */
  lastItems(host: string, username: string): Promise<Map<string, PubsubItem>>;
  /** Removes the given items; resolves with the ids that were there. */
  retract(host: string, username: string, node: string, ids: readonly string[]): Promise<string[]>;
  /** Removes every item of the node; resolves with how many there were. */
  purge(host: string, username: string, node: string): Promise<number>;
  /** Adds an explicit subscription (XEP-0060 §6.1) of a JID; rejects when the node does not exist. */
  subscribe(host: string, username: string, node: string, jid: string): Promise<void>;
  /** False when the JID was not subscribed. */
  unsubscribe(host: string, username: string, node: string, jid: string): Promise<boolean>;
  /** Subscribed JIDs of a node, sorted (code point order). */
  subscribers(host: string, username: string, node: string): Promise<string[]>;
  /** Every explicit subscription to the nodes of `host`'s accounts, in no particular order. */
  subscriptionsOn(host: string): Promise<{ username: string; node: string; jid: string }[]>;
}

/**
 * Verified entity capabilities (XEP-0115 §5.4): the disco#info a verification string stands
 * for, shared by every entity that announces it. Not tied to accounts.
 */
export interface CapsStore {
  /** The stored disco#info (serialised) for a hash function and verification string. */
  get(hash: string, ver: string): Promise<string | undefined>;
  /**
   * Stores it; a string stored already keeps its first value (it was verified too). Nothing is
   * stored once the cache holds `maxEntries` strings: any account could otherwise fill it with
   * made-up feature sets, session after session.
   */
  put(hash: string, ver: string, info: string, maxEntries: number): Promise<void>;
}
