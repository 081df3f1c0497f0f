// Options of the mam module (XEP-0313, XEP-0441), validated at start.
import { z } from '../../core/module-api.js';
import { DEFAULT_MODES } from './prefs.js';
import { DURATION } from './retention.js';

export const mamOptions = z.strictObject({
  /** Which messages an account archives until it sets its own preferences (XEP-0441 §2.1). */
  default_mode: z.enum(DEFAULT_MODES as ['always', 'never', 'roster']).default('always'),
  /** Most results in one page (XEP-0313 §4.3); also the page size when a query gives no <max/>. */
  max_page: z.number().int().min(1).max(1000).default(250),
  /**
   * How long messages are kept: a number with a unit (s, m, h, d or w), e.g. '30d'; 0 keeps
   * them forever. Older ones are deleted in bounded batches by a periodic task (XEP-0313 §3.2).
   */
  max_age: z.union([z.literal(0), z.string().regex(DURATION, { error: "expected 0 or a duration such as '30d' (units s, m, h, d, w)" })]).default(0),
  /** Archived messages written in one transaction at most. */
  write_batch: z.number().int().min(1).max(10_000).default(200),
  /** Longest a message waits for its batch to fill before it is written, in milliseconds. */
  write_delay_ms: z.number().int().min(0).max(1000).default(10),
  /** Accounts without a session whose preferences are kept in memory (for messages to offline users). */
  cache_size: z.number().int().min(0).max(1_000_000).default(1000),
});

export type MamOptions = z.output<typeof mamOptions>;
