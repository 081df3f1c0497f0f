// What a roster item's subscription state (RFC 6121 §2.1.2.5) means for presence, seen from the
// account that owns the roster. One definition for every module that asks.
import type { Subscription } from '../storage/types.js';

/** The contact receives the account's presence ('from' or 'both'). */
export function hasFrom(sub: Subscription | undefined): boolean {
  return sub === 'from' || sub === 'both';
}

/** The account receives the contact's presence ('to' or 'both'). */
export function hasTo(sub: Subscription | undefined): boolean {
  return sub === 'to' || sub === 'both';
}
