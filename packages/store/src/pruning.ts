import type { Storage } from './contracts/index.js';

/** Options for {@link startPruning}. */
export interface PruningOptions {
  /** How often to prune, ms. Default 60 000. */
  everyMs?: number;
  /**
   * Rows are pruned once they are older than `now() - graceMs` (default 0). A grace period keeps,
   * for a while, expired rows that still explain a refusal (introspection of a just-expired token).
   */
  graceMs?: number;
  /** Clock, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Called with the counts of every run that deleted something (for metrics and logs). */
  onPruned?: (counts: Record<string, number>) => void;
  /** Called when a run fails; the next run is still scheduled. Default: ignore. */
  onError?: (error: unknown) => void;
}

/**
 * Keep tables bounded: call `storage.pruneExpired` periodically in the background. Runs never overlap
 * (a slow run makes the next tick a no-op), and the timer does not keep the process alive. Returns
 * `stop`, which waits for a run in progress.
 */
export function startPruning(storage: Pick<Storage, 'pruneExpired'>, options: PruningOptions = {}): () => Promise<void> {
  const now = options.now ?? Date.now;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        const counts = await storage.pruneExpired(new Date(now() - (options.graceMs ?? 0)));
        if (Object.values(counts).some((n) => n > 0)) options.onPruned?.(counts);
      } catch (error) {
        options.onError?.(error);
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(tick, options.everyMs ?? 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
