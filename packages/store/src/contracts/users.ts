import type { Versioned } from './common.js';

/** `active` users may sign in; `disabled` users may not, and their sessions and refresh tokens are revoked. */
export type UserStatus = 'active' | 'disabled';

/** A user's TOTP factor (RFC 6238). */
export interface UserTotp {
  /**
   * The shared secret, sealed with AES-256-GCM under the master key and bound to the user id
   * (`v1.<iv>.<ciphertext>.<tag>`); the raw secret is never stored.
   */
  readonly secret: string;
  /**
   * Highest RFC 6238 time step accepted so far. A code for this step or an earlier one is a replay
   * (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the OTP").
   */
  readonly lastUsedStep: number | null;
  /** When the user proved possession with a first code; `null` while enrolment is pending (not yet required at login). */
  readonly confirmedAt: Date | null;
}

/** A person who signs in at the authorization server. */
export interface UserRecord extends Versioned {
  /** Stable opaque id, used as `sub`. */
  readonly id: string;
  /**
   * Canonical username: the server lower-cases it before every write and lookup, so uniqueness and
   * lookup are case-insensitive while adapters compare exactly.
   */
  readonly username: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  /** argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
  readonly passwordHash: string;
  readonly totp: UserTotp | null;
  readonly status: UserStatus;
  readonly groups: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The fields {@link UserStore.update} may change. */
export type UserPatch = Partial<Pick<UserRecord, 'email' | 'emailVerified' | 'passwordHash' | 'totp' | 'status' | 'groups'>>;

/** Users, keyed by id, with a unique canonical username. */
export interface UserStore {
  /**
   * Insert. Rejects with `ConflictError` when the id or the (canonical) username already exists; the
   * uniqueness check and the insert are one atomic step (a unique index), so two concurrent creates of
   * the same username cannot both succeed.
   */
  create(record: UserRecord): Promise<void>;
  get(id: string): Promise<UserRecord | undefined>;
  /** Exact match on the canonical (lower-case) username. */
  findByUsername(username: string): Promise<UserRecord | undefined>;
  /**
   * Apply `patch` and set `updatedAt = at` in one atomic write; returns the record after the write, or
   * `undefined` when no such user exists. Last writer wins per field.
   */
  update(id: string, patch: UserPatch, at: Date): Promise<UserRecord | undefined>;
  /**
   * Atomically raise `totp.lastUsedStep` to `step` if and only if the user has a TOTP factor and its
   * `lastUsedStep` is `null` or lower than `step` (compare-and-set in one statement). Resolves `false`
   * otherwise, so of two concurrent logins with the same code exactly one wins (RFC 6238 §5.2).
   */
  useTotpStep(id: string, step: number, at: Date): Promise<boolean>;
  /** Page through users ordered by username; `after` is the last username of the previous page. */
  list(options: { limit: number; after?: string }): Promise<UserRecord[]>;
}
