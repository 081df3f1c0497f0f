// Options of the register module (XEP-0077 in-band registration), validated at start.
import { z } from '../../core/module-api.js';

export const POLICIES = ['disabled', 'open', 'invite'] as const;
export type Policy = (typeof POLICIES)[number];

export const registerOptions = z.strictObject({
  /**
   * Who may create an account in-band: nobody ('disabled'), anybody ('open') or holders of an
   * invitation token made with `starling invite` ('invite'). Password changes and account
   * removal by a logged-in user work under every policy.
   */
  policy: z.enum(POLICIES).default('disabled'),
  /** Shortest password accepted for a new account or a password change, in characters. */
  min_password_length: z.number().int().min(1).max(1024).default(8),
  /** PBKDF2 iterations for passwords set in-band; unset, auth.scram_iterations, as for the CLI. */
  scram_iterations: z.number().int().min(4096).max(1_000_000).optional(),
  /** Accounts one client address may create per window; 0 turns the limit off. */
  throttle: z.strictObject({
    max_per_address: z.number().int().min(0).max(1_000_000).default(3),
    /** Length of the window in seconds. */
    window: z.number().int().min(1).max(30 * 86_400).default(3600),
    /**
     * Registrations refused as conflict (username taken) or forbidden (bad invitation token)
     * one address may have per window before every attempt is refused; 0 turns it off.
     */
    max_failures_per_address: z.number().int().min(0).max(1_000_000).default(10),
  }).default({ max_per_address: 3, window: 3600, max_failures_per_address: 10 }),
});

export type RegisterOptions = z.output<typeof registerOptions>;
