import type { TokenHash, Versioned } from './common.js';

/**
 * A single-sign-on session at the authorization server: what the session cookie points to. The cookie
 * carries a random id; only its SHA-256 is stored.
 */
export interface SessionRecord extends Versioned {
  /** SHA-256 (base64url) of the session id in the cookie. */
  readonly idHash: TokenHash;
  /** Public, non-secret session id, used as the OIDC `sid` claim and in back-channel logout. */
  readonly sid: string;
  readonly userId: string;
  readonly createdAt: Date;
  /** Last request that used the session; with `idleTimeoutSeconds` it decides idle expiry. */
  readonly lastSeenAt: Date;
  /** Absolute end of the session, whatever the activity. */
  readonly expiresAt: Date;
  readonly idleTimeoutSeconds: number;
  /** Authentication methods used (OIDC Core §2 / RFC 8176 values: `pwd`, `otp`, `mfa`). */
  readonly amr: readonly string[];
  readonly acr: string | null;
  /** When the user last actively authenticated (OIDC `auth_time`). */
  readonly authTime: Date;
  readonly revokedAt: Date | null;
}

/** SSO sessions, keyed by id hash. */
export interface SessionStore {
  /** Insert. Rejects with `ConflictError` on a duplicate `idHash`. */
  create(record: SessionRecord): Promise<void>;
  /** The record (expired and revoked ones included, so callers can tell why it ended), or `undefined`. */
  get(idHash: TokenHash): Promise<SessionRecord | undefined>;
  /**
   * Set `lastSeenAt = at` if the session is not revoked; one atomic write. Returns `false` when the
   * session does not exist or is revoked.
   */
  touch(idHash: TokenHash, at: Date): Promise<boolean>;
  /** Atomically set `revokedAt` if not yet set; returns the record after the call, or `undefined`. */
  revoke(idHash: TokenHash, at: Date): Promise<SessionRecord | undefined>;
  /**
   * Revoke every not-yet-revoked session of a user in one atomic statement (disable, password change);
   * returns the revoked records so the caller can send back-channel logout for each `sid`.
   */
  revokeByUser(userId: string, at: Date): Promise<SessionRecord[]>;
  /**
   * Remember that the client `clientId` signed the user in within the session `sid` (it was given an
   * authorization code or a device approval there), so that session's end tells exactly the clients
   * it signed into (OIDC Back-Channel Logout §2.3). Idempotent: the first `at` is kept.
   */
  addClient(sid: string, clientId: string, at: Date): Promise<void>;
  /** The client ids {@link addClient} recorded for `sid`, sorted (code-unit order); empty if none. */
  clientsOf(sid: string): Promise<string[]>;
  /**
   * Delete sessions whose `expiresAt` is before `before`, and the client lists of sids no stored
   * session has any more; returns how many sessions.
   */
  pruneExpired(before: Date): Promise<number>;
}
