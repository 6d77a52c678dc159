import { hash } from 'node:crypto';
import { TokenError, validateClaims, verifyJwt, type ValidateClaimsOptions, type VerifyJwtOptions } from '@tessera/token';
import { GuardError } from './errors.js';
import type { JwksCache } from './jwks-cache.js';
import { ExpiringLru } from './lru.js';
import type { ResolvedOptions } from './options.js';
import { toResult, type AccessTokenClaims, type AuthResult } from './result.js';

/** RFC 9068 §2.2: claims every JWT access token carries. */
export const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;

/** The sync JWT path's three outcomes: a result, or "keys must be (re)loaded first". */
export const NEEDS_KEYS = Symbol('needs keys');
export const UNKNOWN_KID = Symbol('unknown kid');

interface Cached { result: AuthResult; generation: number }

/**
 * RFC 9068 §4 validation of a JWT access token, synchronous once keys are cached: `@tessera/token`'s
 * `verifyJwt` (typ `at+jwt`, alg pinned per key, forbidden headers, crit, duplicates, signature) then
 * `validateClaims` (exact iss, aud contains ours, exp/nbf/iat with skew, required claims). The option
 * objects are built once and reused: the hot path allocates only what verification itself needs.
 */
export class JwtVerifier {
  private readonly verifyOptions: VerifyJwtOptions;
  private readonly claimOptions: ValidateClaimsOptions;
  private readonly cache: ExpiringLru<Cached> | undefined;

  constructor(private readonly options: ResolvedOptions, private readonly keys: JwksCache) {
    this.verifyOptions = { typ: 'at+jwt', getKey: keys.getKey, maxLength: options.maxTokenLength };
    this.claimOptions = {
      issuer: options.issuer,
      audience: options.audience,
      now: 0,
      clockTolerance: options.clockTolerance,
      required: REQUIRED_CLAIMS,
    };
    this.cache = options.jwtCache && options.jwtCache.maxAgeMs > 0 ? new ExpiringLru(options.jwtCache.maxEntries) : undefined;
  }

  /** Verify synchronously; returns a marker when the keys must be loaded or refreshed first. Throws GuardError. */
  verify(token: string, nowMs: number): AuthResult | typeof NEEDS_KEYS | typeof UNKNOWN_KID {
    const nowSeconds = Math.floor(nowMs / 1000);
    if (!this.keys.isLoaded) return NEEDS_KEYS;
    this.keys.refreshIfStale(nowMs);
    // One-shot crypto.hash: a createHash object per request costs more than the rest of a cache hit.
    const cacheKey = this.cache === undefined ? '' : hash('sha256', token, 'base64url');
    if (this.cache !== undefined) {
      const hit = this.cache.get(cacheKey, nowMs);
      // A key set change (rotation, a removed key) invalidates results verified with the old set.
      if (hit !== undefined && hit.generation === this.keys.generation) {
        if (nowSeconds >= hit.result.expiresAt! + this.options.clockTolerance) throw new GuardError('invalid_token', 'expired');
        return hit.result;
      }
    }
    let claims: AccessTokenClaims;
    try {
      claims = verifyJwt(token, this.verifyOptions).payload as AccessTokenClaims;
      this.claimOptions.now = nowSeconds;
      validateClaims(claims, this.claimOptions);
    } catch (error) {
      if (error instanceof TokenError) {
        if (error.code === 'unknown_kid') return UNKNOWN_KID;
        throw new GuardError('invalid_token', error.claim === undefined ? error.code : `${error.code} (${error.claim})`);
      }
      throw error;
    }
    // RFC 9449 §7.1 (C-64): the sender constraint (cnf.jkt vs the request's scheme and proof) is checked
    // by the guard on every request, cached result or not.
    const result = toResult('jwt', claims, this.options.denyList.deviceIdClaim);
    if (this.cache !== undefined) {
      const until = Math.min(nowMs + this.options.jwtCache!.maxAgeMs, result.expiresAt! * 1000);
      this.cache.set(cacheKey, { result, generation: this.keys.generation }, until);
    }
    return result;
  }
}
