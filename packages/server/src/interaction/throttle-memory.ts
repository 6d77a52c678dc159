import type { LoginThrottleStore, ThrottleCounter } from '@tessera/store';

/**
 * In-process {@link LoginThrottleStore} for tests and single-node development. NOT FOR PRODUCTION with
 * several nodes: each node would count separately, multiplying the attempts an attacker gets.
 */
export function createMemoryThrottleStore(): LoginThrottleStore & { readonly size: () => number } {
  const counters = new Map<string, ThrottleCounter>();
  const live = (key: string, now: Date) => {
    const c = counters.get(key);
    return c && c.expiresAt.getTime() > now.getTime() ? c : undefined;
  };
  return {
    size: () => counters.size,
    async increment(key, now, ttlSeconds) {
      const next: ThrottleCounter = {
        count: (live(key, now)?.count ?? 0) + 1,
        lastAt: now,
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      };
      counters.set(key, next);
      return next;
    },
    async get(key, now) {
      return live(key, now);
    },
    async delete(key) {
      counters.delete(key);
    },
    async pruneExpired(before) {
      let n = 0;
      for (const [key, c] of counters) if (c.expiresAt.getTime() < before.getTime() && counters.delete(key)) n++;
      return n;
    },
  };
}
