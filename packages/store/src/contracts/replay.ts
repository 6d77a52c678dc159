/**
 * One-time-use markers: `jti` of client assertions (RFC 7523), DPoP proofs (RFC 9449 §11.1), webhook
 * event ids. Keys are namespaced by the caller (e.g. `dpop:<hash>`); callers hash long values.
 */
export interface ReplayStore {
  /**
   * Atomically record `key` until `expiresAt`. Resolves `true` if it was new, `false` if it was already
   * recorded and has not expired (a replay).
   */
  use(key: string, expiresAt: Date): Promise<boolean>;
  /** Delete markers past their expiry; returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
