// Helpers shared by the in-memory stores.

/** Code-point (= UTF-8 byte) order, as the SQL stores sort. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** What the per-account stores need from the account store. */
export interface MemoryContext {
  /** Throws once the storage is closed. */
  open(): void;
  /** Whether the account exists (per-account data must not outlive, or predate, its account). */
  exists(host: string, username: string): boolean;
}

/** Per-account data kept apart from the account record, keyed by host then username. */
export class PerAccount<T> {
  private readonly hosts = new Map<string, Map<string, T>>();

  get(host: string, username: string): T | undefined {
    return this.hosts.get(host)?.get(username);
  }

  getOrCreate(host: string, username: string, create: () => T): T {
    let users = this.hosts.get(host);
    if (!users) this.hosts.set(host, (users = new Map()));
    let v = users.get(username);
    if (v === undefined) users.set(username, (v = create()));
    return v;
  }

  /** Every account's value, with its host and username. */
  *entries(): Generator<[string, string, T]> {
    for (const [host, users] of this.hosts) for (const [username, v] of users) yield [host, username, v];
  }

  delete(host: string, username: string): void {
    const users = this.hosts.get(host);
    if (!users?.delete(username)) return;
    if (users.size === 0) this.hosts.delete(host);
  }
}

/** Rejects a write for an account that does not exist, as the SQL foreign keys do. */
export function requireAccount(ctx: MemoryContext, host: string, username: string, what: string): void {
  ctx.open();
  if (!ctx.exists(host, username)) throw new Error(`storage: ${what} for an account that does not exist`);
}
