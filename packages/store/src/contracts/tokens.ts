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
  /** Refresh tokens: when {@link TokenStore.rotate} replaced this token; `null` while it is the family's newest. */
  rotatedAt: Date | null;
  /** Refresh tokens: hash of the token that replaced this one (set together with `rotatedAt`). */
  successorHash: TokenHash | null;
}

/** What {@link TokenStore.put} accepts: a new token is unrotated, so the rotation fields may be left out. */
export type NewTokenRecord = Omit<TokenRecord, 'rotatedAt' | 'successorHash'> &
  Partial<Pick<TokenRecord, 'rotatedAt' | 'successorHash'>>;

/** The outcome of {@link TokenStore.rotate}; `record` is the presented (old) token as the call left it. */
export type TokenRotation =
  /** The successor is stored and the old token now names it. */
  | { readonly status: 'rotated'; readonly record: TokenRecord }
  /**
   * The old token was rotated before (nothing written). Within the grace window the caller answers
   * with the same successor again (its value is derived from the old one, its hash is
   * `record.successorHash`); after it, this is refresh-token reuse: revoke the family (RFC 9700 §4.14.2).
   */
  | { readonly status: 'already_rotated'; readonly record: TokenRecord }
  /** The old token is revoked (checked before `already_rotated`); nothing written. */
  | { readonly status: 'revoked'; readonly record: TokenRecord }
  /** The old token expired at or before `at`; nothing written. */
  | { readonly status: 'expired'; readonly record: TokenRecord }
  | { readonly status: 'not_found' };

/** Stored tokens, keyed by hash. */
export interface TokenStore {
  /** Insert. The write is durable when the promise resolves. Rejects with {@link ConflictError} on a duplicate hash. */
  put(record: NewTokenRecord): Promise<void>;
  /** The record (expired and revoked ones included, so callers can tell why it is inactive), or `undefined`. */
  get(hash: TokenHash): Promise<TokenRecord | undefined>;
  /**
   * Atomically set `revokedAt` if not yet set. Returns the record as it is after the call (so a second
   * revocation returns the first `revokedAt`), or `undefined` when no such token exists.
   */
  revoke(hash: TokenHash, at: Date): Promise<TokenRecord | undefined>;
  /** Revoke every not-yet-revoked token of a grant in one atomic statement; returns how many changed. */
  revokeByGrant(grantId: string, at: Date): Promise<number>;
  /**
   * Refresh-token rotation (RFC 9700 §4.14.2), in ONE transaction: if the token at `hash` exists, is
   * not revoked, not rotated and not expired at `at`, insert `successor` and set the old token's
   * `rotatedAt = at` and `successorHash = successor.hash`; otherwise write nothing and say why. Of
   * concurrent rotations of one token exactly one gets `rotated`. Rejects with `ConflictError` (and
   * writes nothing) if the successor's hash already exists.
   */
  rotate(hash: TokenHash, successor: NewTokenRecord, at: Date): Promise<TokenRotation>;
  /** Revoke every not-yet-revoked token whose `subject` is this (user disabled); one statement, returns how many. */
  revokeBySubject(subject: string, at: Date): Promise<number>;
  /** Revoke every not-yet-revoked token issued in this session (`sessionId`, logout); one statement, returns how many. */
  revokeBySession(sessionId: string, at: Date): Promise<number>;
  /** Revoke every not-yet-revoked token bound to this device (non-compliance); one statement, returns how many. */
  revokeByDevice(deviceId: string, at: Date): Promise<number>;
  /**
   * The stored tokens bound to a device (admin visibility, issue 5 §7), newest first (by `issuedAt`),
   * at most `limit`; expired and revoked ones included until pruned.
   */
  listByDevice(deviceId: string, limit: number): Promise<TokenRecord[]>;
  /** Delete tokens whose `expiresAt` is before `before`; returns how many were deleted. */
  pruneExpired(before: Date): Promise<number>;
}
