import type { Logger } from 'pino';
import type { Storage } from '@tessera/store';

/**
 * Delete expired rows (tokens, revocations, replay markers) every `intervalMs`, so tables stay
 * bounded. The timer is unref'd (it never keeps the process alive); a failure is logged and the next
 * round tries again. Returns a function that stops it.
 */
export function startPruning(deps: {
  storage: Pick<Storage, 'pruneExpired'>;
  intervalMs: number;
  now: () => number;
  log: Pick<Logger, 'debug' | 'warn'>;
}): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deps.storage
      .pruneExpired(new Date(deps.now()))
      .then((counts) => deps.log.debug({ counts }, 'pruned expired rows'))
      .catch((error: unknown) => deps.log.warn({ err: error }, 'pruning expired rows failed'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
