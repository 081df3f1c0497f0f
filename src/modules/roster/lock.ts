// One roster change at a time per account. Roster sets and subscription stanzas read an item,
// decide and write it back; two of them interleaving (a client's roster set while a contact's
// approval arrives, two subscription stanzas routed without waiting for each other) would lose
// one of the writes and push versions out of order (XEP-0237 §2.4: pushes in order of
// modification). Per process only: a cluster needs the store to serialise instead.

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier call for the same key has settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
