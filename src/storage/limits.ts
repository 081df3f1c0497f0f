// Bounds shared by every storage implementation (and checked by the contract suite).

/**
 * Roster removals remembered per user for XEP-0237 versioning. A client whose version is
 * older than the oldest remembered removal gets the whole roster instead of a diff.
 */
export const ROSTER_TOMBSTONES_KEPT = 100;
