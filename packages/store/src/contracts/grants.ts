import type { Versioned } from './common.js';

/**
 * A grant: one authorization of a client by a user, the family that an authorization code, the tokens
 * it yields and their refresh successors hang off (`grantId` on codes and tokens). Revoking a grant
 * revokes the family: callers also call `tokens.revokeByGrant(id)` (RFC 9700 §4.14.2, RFC 6749 §4.1.2).
 */
export interface GrantRecord extends Versioned {
  readonly id: string;
  readonly userId: string;
  readonly clientId: string;
  readonly scope: readonly string[];
  readonly resources: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly revokedAt: Date | null;
}

/**
 * Remembered consent: what a user has agreed to let a client have, across grants (so the consent page
 * is shown again only for what is new, and always under `prompt=consent`).
 */
export interface ConsentRecord {
  readonly userId: string;
  readonly clientId: string;
  /** Every scope granted so far, sorted (code-unit order). */
  readonly scopes: readonly string[];
  /** Every resource indicator (RFC 8707) granted so far, sorted. */
  readonly resources: readonly string[];
  /** When the first item was granted. */
  readonly createdAt: Date;
  /** When the most recent new item was granted. */
  readonly updatedAt: Date;
}

/** Grants, keyed by id, and consent, keyed by (user, client). */
export interface GrantStore {
  /** Insert. Rejects with `ConflictError` on a duplicate id. */
  create(record: GrantRecord): Promise<void>;
  /** The grant (revoked ones included), or `undefined` (never created, or pruned after revocation). */
  get(id: string): Promise<GrantRecord | undefined>;
  /**
   * Replace scope and resources of a live grant and set `updatedAt = at`, in one write. Returns the
   * record after the write, or `undefined` if the grant does not exist or is revoked.
   */
  update(id: string, change: { scope: readonly string[]; resources: readonly string[] }, at: Date): Promise<GrantRecord | undefined>;
  /** Atomically set `revokedAt` if not yet set; returns the record after the call (first `revokedAt` kept), or `undefined`. */
  revoke(id: string, at: Date): Promise<GrantRecord | undefined>;
  /** The user's live (not revoked) grants, oldest first: the "apps with access" page. */
  listByUser(userId: string): Promise<GrantRecord[]>;
  /** Remembered consent of `userId` for `clientId`, or `undefined` if none. */
  findConsent(userId: string, clientId: string): Promise<ConsentRecord | undefined>;
  /**
   * Remember that the user granted `scopes` and `resources` to the client at `at`: an upsert that adds
   * to what was granted before (never removes). Atomic: two concurrent saves both land (a union, each
   * item written once with the time it was first granted). Returns the consent after the write.
   */
  saveConsent(userId: string, clientId: string, granted: { scopes: readonly string[]; resources: readonly string[] }, at: Date): Promise<ConsentRecord>;
  /**
   * Forget the user's consent for the client (one statement); returns whether there was any. Does not
   * touch grants: to cut the client off, also `revoke` its live grants and their tokens.
   */
  revokeConsent(userId: string, clientId: string): Promise<boolean>;
  /**
   * Delete grants revoked before `before` (their tokens are revoked too, and a missing grant is treated
   * like a revoked one); returns how many. Live grants have no expiry: they end with their tokens.
   */
  pruneExpired(before: Date): Promise<number>;
}
