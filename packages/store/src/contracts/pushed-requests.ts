import type { TokenHash, Versioned } from './common.js';

/**
 * A pushed authorization request (RFC 9126 §2): the parameters a client posted to the PAR endpoint,
 * kept until the browser arrives at /authorize with the `request_uri` that names them. Keyed by the
 * SHA-256 of the random part of that `request_uri`; the URI itself is never stored.
 */
export interface PushedRequestRecord extends Versioned {
  readonly hash: TokenHash;
  /** The authenticated client that pushed it; only this client may use it (RFC 9126 §4). */
  readonly clientId: string;
  /**
   * The authorization request parameters as pushed, every value of every name in order (client
   * credentials removed), so /authorize judges them exactly as it judges a query string.
   */
  readonly params: Readonly<Record<string, readonly string[]>>;
  readonly createdAt: Date;
  /** `createdAt` plus the `expires_in` announced to the client (RFC 9126 §2.2). */
  readonly expiresAt: Date;
  /** When an authorization request used it; `null` until then. */
  readonly consumedAt: Date | null;
}

/** The outcome of {@link PushedRequestStore.consume}. */
export type PushedRequestConsumption =
  /** First use: the record, now with `consumedAt` set. Expiry is the caller's check. */
  | { readonly status: 'ok'; readonly record: PushedRequestRecord }
  /** Already used by an earlier authorization request: refuse (RFC 9126 §7.3, one-time use). */
  | { readonly status: 'used'; readonly record: PushedRequestRecord }
  | { readonly status: 'not_found' };

/** Pushed authorization requests, keyed by hash. */
export interface PushedRequestStore {
  /** Insert (`consumedAt` should be `null`). Rejects with `ConflictError` on a duplicate hash. */
  create(record: PushedRequestRecord): Promise<void>;
  /** The record as stored (used or not, expired or not), or `undefined`. Reads only. */
  get(hash: TokenHash): Promise<PushedRequestRecord | undefined>;
  /**
   * Atomically mark the request used at `at` (one compare-and-set write): of any number of concurrent
   * calls exactly one gets `ok`, every other and every later call gets `used` with the record as the
   * first consumption left it. Expired requests are consumed like any other; the caller checks
   * `expiresAt`.
   */
  consume(hash: TokenHash, at: Date): Promise<PushedRequestConsumption>;
  /** Delete requests whose `expiresAt` is before `before` (used or not); returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
