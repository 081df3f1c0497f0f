// RFC 6121 §4.6: directed presence. The server remembers, per session, which entities received
// directed available presence, so that they learn when the session goes unavailable (§4.6.3).
// Held in a WeakMap keyed by the session object: nothing outlives the session. At most
// MAX_DIRECTED entities per session are remembered (a client in a thousand rooms is far past
// any real use), so a session cannot grow the list, and its unavailable fan-out, without end;
// presence directed past that is still delivered, only not withdrawn at the end.
const MAX_DIRECTED = 1000;

/** Anything with an identity; the module keys on its session objects. */
export class DirectedPresence<S extends object> {
  private readonly sent = new WeakMap<S, Set<string>>();

  /** Directed available presence went to `jid` (prepared, bare or full). */
  add(session: S, jid: string): void {
    let set = this.sent.get(session);
    if (!set) this.sent.set(session, (set = new Set()));
    if (set.size < MAX_DIRECTED) set.add(jid);
  }

  /** Directed unavailable presence went to `jid`: it no longer needs telling (§4.6.3). */
  remove(session: S, jid: string): void {
    const set = this.sent.get(session);
    if (!set) return;
    set.delete(jid);
    if (set.size === 0) this.sent.delete(session);
  }

  /** The entities to tell, forgetting them: the session has gone unavailable. */
  take(session: S): string[] {
    const set = this.sent.get(session);
    this.sent.delete(session);
    return set ? [...set] : [];
  }
}
