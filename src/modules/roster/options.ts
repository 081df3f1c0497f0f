// Options of the roster module (RFC 6121 §2, §3; XEP-0237), validated at start.
import { z } from '../../core/module-api.js';

export const rosterOptions = z.strictObject({
  /**
   * Most items one roster may hold. Adding one more (roster set, subscription request or
   * approval) is refused with not-allowed: a permanent refusal by local policy (RFC 6120
   * §8.3.3.10), not resource-constraint, whose type 'wait' would invite the client to retry.
   */
  max_items: z.number().int().min(1).max(100_000).default(1000),
});

export type RosterOptions = z.output<typeof rosterOptions>;
