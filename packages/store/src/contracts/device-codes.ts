import type { TokenHash, Versioned } from './common.js';

/** RFC 8628 §3.5: where a device authorization stands. */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'consumed';

/** A device authorization request (RFC 8628 §3.1-3.2), keyed by the device code's SHA-256. */
export interface DeviceCodeRecord extends Versioned {
  readonly hash: TokenHash;
  /**
   * The code the user types, already normalised by the caller (e.g. upper-case, no dash; RFC 8628
   * §6.1). Unique among live codes: `create` may reuse the user code of an expired one.
   */
  readonly userCode: string;
  readonly clientId: string;
  readonly scope: readonly string[];
  readonly resource: readonly string[];
  readonly status: DeviceCodeStatus;
  /** Who approved or denied; `null` while pending. */
  readonly userId: string | null;
  /** The grant the issued tokens join; set on approval. */
  readonly grantId: string | null;
  /**
   * The approving sign-in, for the ID token (OIDC Core §2 `auth_time`/`acr`/`amr`, Back-Channel
   * Logout §2.1 `sid`); set on approval, `null` before (and on codes approved before it was kept).
   */
  readonly signIn: DeviceSignIn | null;
  /** Minimum seconds between polls (RFC 8628 §3.2 `interval`); grows by 5 on every `slow_down`. */
  readonly interval: number;
  readonly lastPolledAt: Date | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** The outcome of {@link DeviceCodeStore.poll}; the token endpoint maps it to RFC 8628 §3.5 answers. */
export type DevicePoll =
  | { readonly status: 'not_found' }
  /** `expired_token`. Nothing was written. */
  | { readonly status: 'expired'; readonly record: DeviceCodeRecord }
  /** `authorization_pending`, or `slow_down` when `slowDown` (the stored interval has grown by 5 s). */
  | { readonly status: 'pending'; readonly slowDown: boolean; readonly record: DeviceCodeRecord }
  /** Issue tokens: this poll moved the code to `consumed`; exactly one poll ever gets this. */
  | { readonly status: 'approved'; readonly record: DeviceCodeRecord }
  /** `access_denied`. */
  | { readonly status: 'denied'; readonly record: DeviceCodeRecord }
  /** Tokens were already issued for this code: `invalid_grant`. */
  | { readonly status: 'consumed'; readonly record: DeviceCodeRecord };

/** The SSO session in which the user approved a device: what the device's ID tokens say about the sign-in. */
export interface DeviceSignIn {
  /** Public session id (`sid`): back-channel logout of that session reaches the device's client too. */
  readonly sessionId: string;
  /** When the user last actively authenticated in that session (`auth_time`). */
  readonly authTime: Date;
  readonly acr: string | null;
  readonly amr: readonly string[];
}

/** What the user decided on the verification page. */
export interface DeviceApproval {
  readonly userId: string;
  readonly grantId: string;
  /** The session the user approved from; stored as the record's `signIn`. */
  readonly signIn: DeviceSignIn;
  /** The scope the user actually granted, if narrower than requested. */
  readonly scope?: readonly string[];
}

/** Device codes (RFC 8628), keyed by device-code hash, with a unique live user code. */
export interface DeviceCodeStore {
  /**
   * Insert (status `pending`, `lastPolledAt` `null`). Rejects with `ConflictError` when a live code
   * (not expired at `record.createdAt`) has the same `userCode`, so the caller draws another (an
   * expired one holding the user code is replaced in the same statement), or on a duplicate hash.
   */
  create(record: DeviceCodeRecord): Promise<void>;
  /** The record holding `userCode` (expired ones included, so the page can say so), or `undefined`. */
  findByUserCode(userCode: string): Promise<DeviceCodeRecord | undefined>;
  /**
   * Atomically move a `pending`, unexpired (at `at`) code to `approved`, recording the approval.
   * Returns the record after the write, or `undefined` if the code is unknown, expired or already decided.
   */
  approve(userCode: string, approval: DeviceApproval, at: Date): Promise<DeviceCodeRecord | undefined>;
  /** Like `approve`, to `denied`, recording `userId`. */
  deny(userCode: string, userId: string, at: Date): Promise<DeviceCodeRecord | undefined>;
  /**
   * One token-endpoint poll at `now`, atomic (compare-and-set, retried on contention). Pending: if the
   * previous poll was less than `interval` seconds ago, `slowDown` is true and `interval` grows by 5
   * (RFC 8628 §3.5); `lastPolledAt = now` either way. Approved: moves to `consumed` and answers
   * `approved` exactly once across concurrent polls. Expired (`expiresAt <= now`): `expired`, no write.
   */
  poll(hash: TokenHash, now: Date): Promise<DevicePoll>;
  /** Delete codes whose `expiresAt` is before `before`; returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
