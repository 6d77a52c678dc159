/**
 * A DPoP proof replay store shared by every instance of an API (RFC 9449 §11.1: "the server MUST …
 * ensure that the same proof is not used more than once"). The guard always keeps a per-process cache;
 * behind a load balancer a proof refused by one instance could still be accepted once by each other
 * instance within `dpop.maxAge`, unless they share this store.
 */
export interface DpopReplayStore {
  /**
   * Remember `key` for `ttlMs` and answer `true` when it was not already remembered, `false` when it
   * was (a replay). Must be atomic across instances (Redis `SET … NX PX`, an SQL insert on a unique key).
   */
  remember(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/** The part of an ioredis (or compatible) client the Redis store needs. */
export interface RedisSetNx {
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<'OK' | null | string>;
}

/**
 * A {@link DpopReplayStore} on Redis: one `SET <prefix><key> 1 PX <ttl> NX` per proof, so the first
 * instance to see a proof wins and the key expires with the proof's acceptance window.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * const guard = createGuard({ issuer, audience, dpop: { replayStore: redisDpopReplayStore(new Redis(url)) } });
 * ```
 */
export function redisDpopReplayStore(client: RedisSetNx, options: { prefix?: string } = {}): DpopReplayStore {
  if (client === null || typeof client !== 'object' || typeof client.set !== 'function') {
    throw new TypeError('redisDpopReplayStore: client must have set(key, value, "PX", ms, "NX")');
  }
  const prefix = options.prefix ?? 'tessera:dpop:';
  return {
    async remember(key, ttlMs) {
      return (await client.set(prefix + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
    },
  };
}
