// The real timers, on purpose: a test that fakes the global clock (vi.useFakeTimers) must not leave
// every token write waiting for a tick that never comes.
import { clearImmediate, setImmediate } from 'node:timers';

/**
 * Per item: `undefined` when it was written, or the error its caller should see (e.g. a conflict).
 * When the runner throws for a batch of several, each item is retried alone, so one bad record (say a
 * string PostgreSQL `jsonb` refuses) fails only its own caller, never its neighbours.
 */
export type BatchRunner<T> = (items: T[]) => Promise<(Error | undefined)[]> | (Error | undefined)[];

export interface GroupCommit<T> {
  /** Queue `item`; resolves once the batch holding it has committed, rejects with its own error. */
  submit(item: T): Promise<void>;
  /** Write whatever is queued now (used by `close()`). */
  flush(): Promise<void>;
}

interface Pending<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the writes submitted during one event-loop turn are committed together, in one
 * transaction, after the turn ends (`setImmediate`). A commit costs a WAL write (SQLite) or a WAL
 * flush and fsync (PostgreSQL) however many rows it carries, so under concurrent load this divides
 * that cost by the batch size, while each promise still resolves only once its row is durable.
 * A lone write waits at most one turn of the loop.
 */
export function groupCommit<T>(run: BatchRunner<T>, maxBatch: number): GroupCommit<T> {
  let queue: Pending<T>[] = [];
  let scheduled: ReturnType<typeof setImmediate> | undefined;

  async function runBatch(batch: Pending<T>[]): Promise<void> {
    try {
      const results = await run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const error = results[i];
        if (error) p.reject(error);
        else p.resolve();
      });
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else await Promise.all(batch.map((p) => runBatch([p])));
    }
  }

  async function flush(): Promise<void> {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    const all = queue;
    queue = [];
    const runs: Promise<void>[] = [];
    for (let i = 0; i < all.length; i += maxBatch) runs.push(runBatch(all.slice(i, i + maxBatch)));
    await Promise.all(runs);
  }

  return {
    submit(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        scheduled ??= setImmediate(() => void flush());
      });
    },
    flush,
  };
}
