// A typed, closed event bus with priorities (higher runs first). A handler returns `true` to
// stop the chain. Handlers may be async; the bus stays synchronous when every handler is, so the
// per-stanza path pays for promises only when a module really awaits something.
import type { Logger } from '../util/log.js';
import type { StanzaEventMap } from './stanza-events.js';

export type EventMap = StanzaEventMap;
export type EventName = keyof EventMap;
export type HandlerResult = boolean | void | undefined;
export type Handler<K extends EventName> = (payload: EventMap[K]) => HandlerResult | Promise<HandlerResult>;

interface Entry {
  priority: number;
  order: number;
  fn: (payload: never) => HandlerResult | Promise<HandlerResult>;
}

const EVENT_NAMES: ReadonlySet<string> = new Set<EventName>([
  'iq/host', 'iq/bare', 'iq/full', 'iq/remote', 'iq/outbound', 'message/outbound', 'presence/outbound', 'iq/preauth',
  'account/created', 'account/deleted', 'account/deleting', 'roster/changed', 'roster/subscription',
  'message/host', 'message/bare', 'message/full', 'message/remote', 'message/undelivered',
  'presence/host', 'presence/bare', 'presence/full', 'presence/remote',
  'session/bound', 'session/hibernated', 'session/resumed', 'session/closed', 'presence/available', 'presence/unavailable',
  'caps/changed', 'pep/changed', 'disco/account-items', 'disco/account-node-info',
]);

export class EventBus {
  private readonly handlers = new Map<string, Entry[]>();
  private counter = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Registers a handler; returns a function that removes it again. */
  on<K extends EventName>(name: K, fn: Handler<K>, priority = 0): () => void {
    if (!EVENT_NAMES.has(name)) throw new Error(`unknown event '${String(name)}'`);
    // Lists are replaced, never changed in place: a dispatch under way keeps the list it
    // started with without copying it for every event.
    const entry: Entry = { priority, order: this.counter++, fn: fn as Entry['fn'] };
    const list = [...(this.handlers.get(name) ?? []), entry];
    list.sort((a, b) => b.priority - a.priority || a.order - b.order);
    this.handlers.set(name, list);
    return () => {
      const l = this.handlers.get(name);
      if (l?.includes(entry)) this.handlers.set(name, l.filter((e) => e !== entry));
    };
  }

  has(name: EventName): boolean {
    return (this.handlers.get(name)?.length ?? 0) > 0;
  }

  /**
   * Runs the handlers in priority order. Returns true if one of them handled the event
   * (returned true), synchronously when possible, otherwise as a promise.
   * A throwing handler propagates to the caller, which turns it into a stanza error.
   */
  fire<K extends EventName>(name: K, payload: EventMap[K]): boolean | Promise<boolean> {
    const list = this.handlers.get(name);
    if (!list || list.length === 0) return false;
    return this.run(list, 0, payload as never);
  }

  /** Fires without waiting: for notifications whose handlers' failures must only be logged. */
  emit<K extends EventName>(name: K, payload: EventMap[K]): void {
    try {
      const r = this.fire(name, payload);
      if (r instanceof Promise) {
        const tracked = r.then(() => undefined, (err: unknown) => this.log.error('event handler failed', { event: name, err }));
        this.pending.add(tracked);
        void tracked.finally(() => this.pending.delete(tracked));
      }
    } catch (err) {
      this.log.error('event handler failed', { event: name, err });
    }
  }

  /** Resolves when every handler started by emit() has finished (used at shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private run(list: Entry[], start: number, payload: never): boolean | Promise<boolean> {
    for (let i = start; i < list.length; i++) {
      const r = list[i]!.fn(payload);
      if (r === true) return true;
      if (r instanceof Promise) return this.continueAsync(r, list, i + 1, payload);
    }
    return false;
  }

  private async continueAsync(p: Promise<HandlerResult>, list: Entry[], next: number, payload: never): Promise<boolean> {
    if ((await p) === true) return true;
    return this.run(list, next, payload);
  }
}
