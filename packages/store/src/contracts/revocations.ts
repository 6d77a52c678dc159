/**
 * Revoked JWT access tokens, by `jti`. An entry lives until the token it names would have expired
 * anyway (`expiresAt`), after which the token is refused for being expired and the entry can go.
 */
export interface RevocationRecord {
  jti: string;
  clientId: string;
  expiresAt: Date;
  revokedAt: Date;
  /** Why (e.g. `client_request`, `device_not_compliant`); for operators, never sent to clients. */
  reason: string;
}

export interface RevocationStore {
  /** Insert; idempotent: revoking a revoked `jti` keeps the first record and resolves normally. */
  add(record: RevocationRecord): Promise<void>;
  /** The record if this `jti` is revoked and not yet pruned. */
  get(jti: string): Promise<RevocationRecord | undefined>;
  /** Records revoked at or after `since`, oldest first, at most `limit`: lets resource servers catch up. */
  listSince(since: Date, limit: number): Promise<RevocationRecord[]>;
  /** Delete entries whose `expiresAt` is before `before`; returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
