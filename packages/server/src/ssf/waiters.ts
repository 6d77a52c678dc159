/**
 * Long-poll wake-ups (RFC 8936 §2.4, `returnImmediately: false`): a poller parks here and is woken the
 * moment an event is enqueued for its stream, not on the next timer tick; that is what keeps the path
 * from a compliance change to a poll receiver well under a second. The table is per process; a poller
 * parked on another node is woken through the cluster fan-out (`ssf.wake`, see `createSsf`), and by its
 * own timeout if that message is lost (see docs/device-trust.md).
 */
export class PollWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();
  #closed = false;

  /**
   * Resolves `true` when {@link wake} is called for the stream, `false` after `timeoutMs` or when
   * `signal` aborts (the client went away). Register BEFORE reading the outbox, so an event enqueued
   * between the read and the wait is not missed.
   */
  park(streamId: string, timeoutMs: number, signal?: AbortSignal): { woken: Promise<boolean>; cancel(): void } {
    let settle!: (woken: boolean) => void;
    const woken = new Promise<boolean>((resolve) => (settle = resolve));
    // Shutting down: nobody parks any more, so the server's close does not wait for a poll timeout.
    if (this.#closed) {
      settle(false);
      return { woken, cancel: () => undefined };
    }
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

  /**
   * Wake every poller of every stream: each re-reads its outbox. After the cluster fan-out reconnects,
   * when wake-ups from other nodes may have been missed.
   */
  wakeAll(): void {
    for (const set of [...this.#waiting.values()]) for (const wake of [...set]) wake();
  }

  /** Release every parked poller (answering empty) and refuse new parking: the server is closing. */
  close(): void {
    this.#closed = true;
    this.wakeAll();
  }

  /** How many pollers are parked (metrics, tests). */
  get size(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }
}
