// Bounds shared by every storage implementation (and checked by the contract suite).

/**
 * Roster removals remembered per user for XEP-0237 versioning. A client whose version is
 * older than the oldest remembered removal gets the whole roster instead of a diff.
 */
export const ROSTER_TOMBSTONES_KEPT = 100;

/**
 * Client installations (SASL2 user-agent ids) one account keeps FAST tokens for (XEP-0484).
 * Issuing a token to one more removes the tokens of the client issued one longest ago, so
 * logins with ever new ids cannot grow the table without end.
 */
export const FAST_CLIENTS_KEPT = 100;
