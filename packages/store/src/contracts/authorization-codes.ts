import type { TokenHash, Versioned } from './common.js';

/**
 * An authorization code (RFC 6749 §4.1.2) with everything the token endpoint needs to finish the
 * exchange: the binding to client, redirect URI and PKCE challenge (RFC 7636 §4.6), and what the ID
 * token will say about the authentication (OIDC Core §2). Keyed by the code's SHA-256; the raw code is
 * never stored.
 */
export interface AuthorizationCodeRecord extends Versioned {
  readonly hash: TokenHash;
  readonly clientId: string;
  readonly userId: string;
  /** Public `sid` of the SSO session the code was issued in (OIDC `sid`, logout), if any. */
  readonly sessionId: string | null;
  /** Exactly as sent in the authorization request; the token request must repeat it (RFC 6749 §4.1.3). */
  readonly redirectUri: string;
  readonly scope: readonly string[];
  /** Resource indicators (RFC 8707) granted; they become the access token's audience. */
  readonly resource: readonly string[];
  readonly codeChallenge: string;
  /** Only `S256`: `plain` is refused at the authorization endpoint (RFC 9700 §2.1.1). */
  readonly codeChallengeMethod: 'S256';
  readonly nonce: string | null;
  readonly authTime: Date;
  readonly acr: string | null;
  readonly amr: readonly string[];
  /** Extra claims requested for the ID token / userinfo (OIDC Core §5.5), as the server parsed them. */
  readonly claims: Record<string, unknown>;
  /** RFC 9449 §10: the DPoP key thumbprint the code is bound to (`dpop_jkt`), if any. */
  readonly dpopJkt: string | null;
  /** The grant the issued tokens join; a replayed code revokes it (RFC 6749 §4.1.2). */
  readonly grantId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** When the code was exchanged; `null` until then. */
  readonly consumedAt: Date | null;
}

/** The outcome of {@link AuthorizationCodeStore.consume}. */
export type CodeConsumption =
  /** First use: the record, now with `consumedAt` set. Expiry is the caller's check. */
  | { readonly status: 'ok'; readonly record: AuthorizationCodeRecord }
  /** The code was already used: refuse, and revoke what the first use issued (RFC 6749 §4.1.2). */
  | { readonly status: 'replayed'; readonly record: AuthorizationCodeRecord }
  | { readonly status: 'not_found' };

/** Authorization codes, keyed by hash. */
export interface AuthorizationCodeStore {
  /** Insert (`consumedAt` should be `null`). Rejects with `ConflictError` on a duplicate hash. */
  create(record: AuthorizationCodeRecord): Promise<void>;
  /**
   * Atomically mark the code consumed at `at` (one compare-and-set write): of any number of concurrent
   * calls exactly one gets `ok`, every other and every later call gets `replayed` with the record as
   * the first consumption left it. Expired codes are consumed like any other; the caller checks
   * `expiresAt` (so an expired code can still be told apart from an unknown one).
   */
  consume(hash: TokenHash, at: Date): Promise<CodeConsumption>;
  /** Delete codes whose `expiresAt` is before `before` (consumed or not); returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
