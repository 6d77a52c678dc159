import type { TokenHash, Versioned } from './common.js';

export type StoredTokenKind = 'access_token' | 'refresh_token';

/**
 * A token the server must remember: opaque access tokens and refresh tokens. JWT access tokens are
 * not stored (they are self-contained); their revocation goes to {@link RevocationStore}.
 */
export interface TokenRecord extends Versioned {
  /** SHA-256 of the token value; the raw value is never stored. */
  hash: TokenHash;
  kind: StoredTokenKind;
  /** Unique id, also used as `jti` where the token is described (introspection). */
  jti: string;
  clientId: string;
  /** Resource owner (`sub`); for client_credentials this is the client id. */
  subject: string;
  audience: string[];
  scope: string[];
  /** Groups tokens of one authorization (refresh family, code exchange) for joint revocation. */
  grantId: string | null;
  /** RFC 9449 key thumbprint the token is bound to, if any. */
  jkt: string | null;
  deviceId: string | null;
  sessionId: string | null;
  /** Extra claims to report in introspection (e.g. `acr`, `auth_time`). */
  claims: Record<string, unknown>;
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Stored tokens, keyed by hash. */
export interface TokenStore {
  /** Insert. The write is durable when the promise resolves. Rejects with {@link ConflictError} on a duplicate hash. */
  put(record: TokenRecord): Promise<void>;
  /** The record (expired and revoked ones included, so callers can tell why it is inactive), or `undefined`. */
  get(hash: TokenHash): Promise<TokenRecord | undefined>;
  /**
   * Atomically set `revokedAt` if not yet set. Returns the record as it is after the call (so a second
   * revocation returns the first `revokedAt`), or `undefined` when no such token exists.
   */
  revoke(hash: TokenHash, at: Date): Promise<TokenRecord | undefined>;
  /** Revoke every not-yet-revoked token of a grant in one atomic statement; returns how many changed. */
  revokeByGrant(grantId: string, at: Date): Promise<number>;
  /** Delete tokens whose `expiresAt` is before `before`; returns how many were deleted. */
  pruneExpired(before: Date): Promise<number>;
}
