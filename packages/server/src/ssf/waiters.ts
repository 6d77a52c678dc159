/**
 * Long-poll wake-ups (RFC 8936 §2.4, `returnImmediately: false`): a poller parks here and is woken the
 * moment an event is enqueued for its stream, not on the next timer tick; that is what keeps the path
 * from a compliance change to a poll receiver well under a second. In-process: a poller connected to
 * another node is woken by its own timeout (see docs/device-trust.md).
 */
export class PollWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  /**
   * Resolves `true` when {@link wake} is called for the stream, `false` after `timeoutMs` or when
   * `signal` aborts (the client went away). Register BEFORE reading the outbox, so an event enqueued
   * between the read and the wait is not missed.
   */
  park(streamId: string, timeoutMs: number, signal?: AbortSignal): { woken: Promise<boolean>; cancel(): void } {
    let settle!: (woken: boolean) => void;
    const woken = new Promise<boolean>((resolve) => (settle = resolve));
    let set = this.#waiting.get(streamId);
    if (set === undefined) this.#waiting.set(streamId, (set = new Set()));
    const waiters = set;
    const finish = (result: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      waiters.delete(wake);
      if (waiters.size === 0 && this.#waiting.get(streamId) === waiters) this.#waiting.delete(streamId);
      settle(result);
    };
    const wake = () => finish(true);
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    waiters.add(wake);
    return { woken, cancel: () => finish(false) };
  }

  /** Wake every poller of the stream. */
  wake(streamId: string): void {
    const set = this.#waiting.get(streamId);
    if (set === undefined) return;
    for (const wake of [...set]) wake();
  }

  /** Wake everyone (shutdown). */
  wakeAll(): void {
    for (const id of [...this.#waiting.keys()]) this.wake(id);
  }

  /** How many pollers are parked (metrics, tests). */
  get size(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }
}
