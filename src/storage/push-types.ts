// Storage interfaces of push registrations (XEP-0357). Re-exported by types.ts.

/** A field of a data form, as the client submitted it: its name and values in order. */
export interface FormFieldValues {
  var: string;
  values: string[];
}

/**
 * A device's push registration (XEP-0357 §5): the XMPP Push Service of its app server, the node
 * provisioned for the device there, and the publish options to send with each notification.
 */
export interface PushRegistration {
  /** The push service's JID, prepared. */
  jid: string;
  node: string;
  /** Fields of the pubsub#publish-options form given at enable, FORM_TYPE left out; may be empty. */
  options: FormFieldValues[];
  /** When it was enabled, or enabled again. */
  updated: Date;
}

/** Push registrations per account, one per push service JID and node. Everything goes with the account. */
export interface PushStore {
  /** The account's registrations, sorted by JID, then node (code point order). */
  list(host: string, username: string): Promise<PushRegistration[]>;
  /**
   * Adds the registration, or replaces the options of the one with the same JID and node
   * ('updated'); a new one is refused when the account has `max` already ('limit'). Atomic.
   * Rejects when the account does not exist.
   */
  enable(host: string, username: string, reg: Omit<PushRegistration, 'updated'>, max: number): Promise<'added' | 'updated' | 'limit'>;
  /** Removes the registration with that JID and node, or every one of the JID without a node; resolves with how many went. */
  disable(host: string, username: string, jid: string, node?: string): Promise<number>;
}
