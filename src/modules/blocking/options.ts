// Options of the blocking module (XEP-0191), validated at start.
import { z } from '../../core/module-api.js';

export const blockingOptions = z.strictObject({
  /**
   * Most JIDs one account may block. A block command that would pass it is refused with
   * not-acceptable (RFC 6120 §8.3.3.9: the request does not meet the server's criteria).
   */
  max_items: z.number().int().min(1).max(100_000).default(1000),
  /**
   * Blocklists of accounts without a session kept in memory (for stanzas to offline users);
   * lists of accounts with a session are always kept. 0 reads storage for every such stanza.
   */
  cache_size: z.number().int().min(0).max(1_000_000).default(1000),
});

export type BlockingOptions = z.output<typeof blockingOptions>;
