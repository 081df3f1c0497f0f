// XEP-0237 (RFC 6121 §2.6): roster versions as the client sees them. The store counts versions
// per account from 0; the 'ver' string adds the account's creation time ("epoch"), so a client
// that cached the roster of a deleted account never mistakes a new account of the same name for
// it: a version from another epoch is unknown and gets the full roster (§2.6.3).

/** Opaque to clients (XEP-0237 §2.2): `<epoch>-<version>`. */
export function formatVer(epoch: string, version: number): string {
  return `${epoch}-${version}`;
}

/** The store version a client's 'ver' names in this epoch, or undefined if it names none. */
export function parseVer(ver: string, epoch: string): number | undefined {
  const dash = ver.lastIndexOf('-');
  if (dash <= 0 || ver.slice(0, dash) !== epoch) return undefined;
  const digits = ver.slice(dash + 1);
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  return Number(digits);
}

/** An account's epoch from its creation time; '0' when the account is gone. */
export function epochOf(createdAt: Date | undefined): string {
  return createdAt ? createdAt.getTime().toString(36) : '0';
}

/**
 * Epochs of accounts with sessions, so that pushes need no account read. Entries go when the
 * account's last session ends or the account is deleted.
 */
export class EpochCache {
  private readonly epochs = new Map<string, string>();

  constructor(private readonly read: (username: string) => Promise<Date | undefined>) {}

  get(username: string): string | Promise<string> {
    const known = this.epochs.get(username);
    if (known !== undefined) return known;
    return this.read(username).then((created) => {
      const epoch = epochOf(created);
      // Only a live account is worth remembering; a gone one must not pin '0'.
      if (created) this.epochs.set(username, epoch);
      return epoch;
    });
  }

  forget(username: string): void {
    this.epochs.delete(username);
  }
}
