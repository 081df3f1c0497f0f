// A write-behind buffer: adding a row only queues it, and the rows are written in
// batches, one transaction each, when `batch` rows are queued or `delayMs` after the first one.
// The message path never waits for a commit. flush() is the barrier for whoever needs the rows
// durable (queries, stream management acknowledgements, shutdown). Batches are written one at a
// time, in order.

export interface WriterOptions {
  /** Rows that trigger a write at once. */
  batch: number;
  /** Longest a row waits for its batch to fill, in milliseconds. */
  delayMs: number;
}

/** Runs `fn` after `ms`; returns the cancel function. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export class WriteBehind<T> {
  private queue: T[] = [];
  /** The chain of batch writes; never rejects. */
  private tail: Promise<void> = Promise.resolve();
  /** Batch writes not finished yet; each rejects when its write fails. */
  private readonly running = new Set<Promise<void>>();
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly write: (rows: T[]) => Promise<void>,
    private readonly opts: WriterOptions,
    private readonly schedule: Schedule,
    /** Told of every failed batch (its rows are lost). */
    private readonly onError: (err: unknown, rows: number) => void,
  ) {}

  /** Rows waiting for their batch. */
  get pending(): number {
    return this.queue.length;
  }

  add(row: T): void {
    this.queue.push(row);
    if (this.queue.length >= this.opts.batch) {
      void this.flush().catch(() => undefined); // reported through onError
    } else if (this.cancelTimer === undefined) {
      this.cancelTimer = this.schedule(() => {
        this.cancelTimer = undefined;
        void this.flush().catch(() => undefined);
      }, this.opts.delayMs);
    }
  }

  /**
   * Writes what is queued; resolves once every row added before the call is durable, and rejects
   * when the batch holding some of them could not be written.
   */
  flush(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.queue.length > 0) {
      const rows = this.queue;
      this.queue = [];
      const run = this.tail.then(() => this.write(rows));
      this.running.add(run);
      this.tail = run.then(
        () => void this.running.delete(run),
        (err: unknown) => {
          this.running.delete(run);
          this.onError(err, rows.length);
        },
      );
    }
    return Promise.all(this.running).then(() => undefined);
  }

  /** Removes queued rows (e.g. of an account just deleted); rows being written are not affected. */
  drop(match: (row: T) => boolean): void {
    this.queue = this.queue.filter((r) => !match(r));
  }
}

/**
 * A Schedule on plain timers, unref'd (a pending batch never keeps the process alive), with
 * cancelAll() for unload.
 */
export function unrefTimers(): { schedule: Schedule; cancelAll(): void } {
  const timers = new Set<NodeJS.Timeout>();
  return {
    schedule(fn, ms) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      t.unref();
      timers.add(t);
      return () => {
        clearTimeout(t);
        timers.delete(t);
      };
    },
    cancelAll() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
