// Options of the push module (XEP-0357), validated at start. What leaves the server in a
// notification goes to third parties (the app server and its platform's push service), so
// message content and senders are left out unless the admin asks for them (XEP-0357 §9).
import { z } from '../../core/module-api.js';

export const pushOptions = z.strictObject({
  /** Put the last message's body into notifications (last-message-body). */
  include_body: z.boolean().default(false),
  /** Put the last message's sender into notifications (last-message-sender). */
  include_sender: z.boolean().default(false),
  /**
   * Registrations (push service JID and node) one account may have; enabling one more is
   * refused with resource-constraint (type cancel), as PEP refuses nodes past its quota.
   */
  max_registrations: z.int().min(1).max(100).default(5),
  /**
   * Seconds after a notification to a device during which further messages send it none, until
   * a client of the account comes back online (available presence or a resumed session) or the
   * device enables push again. 0 notifies for every message.
   */
  min_interval: z.int().min(0).max(86_400).default(60),
  /** Accounts whose registrations are kept in memory. */
  cache_size: z.int().min(0).max(1_000_000).default(10_000),
});

export type PushOptions = z.output<typeof pushOptions>;
