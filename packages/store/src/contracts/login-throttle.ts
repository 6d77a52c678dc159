/** One failure counter of the login throttle. */
export interface ThrottleCounter {
  /** Failures counted in the current window. */
  readonly count: number;
  /** Time of the most recent counted failure. */
  readonly lastAt: Date;
  /** When the counter disappears: `lastAt` plus the ttl given to the last increment (a sliding window). */
  readonly expiresAt: Date;
}

/**
 * Counters for brute-force protection at login, keyed by opaque strings the caller builds (already
 * hashed, bounded length). Time is passed in so that tests and every adapter agree on it.
 */
export interface LoginThrottleStore {
  /**
   * Atomically add one to `key`. If the key is absent or expired at `now`, it starts again at 1. Sets
   * `lastAt = now` and `expiresAt = now + ttlSeconds`. Returns the counter after the increment; two
   * concurrent increments both count (Redis `INCR`, SQL `… SET count = count + 1 … RETURNING`).
   */
  increment(key: string, now: Date, ttlSeconds: number): Promise<ThrottleCounter>;
  /** The counter, or `undefined` if absent or expired at `now`. */
  get(key: string, now: Date): Promise<ThrottleCounter | undefined>;
  /** Remove the counter (successful login). */
  delete(key: string): Promise<void>;
  /** Delete counters expired before `before`; returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
