import { SIGNING_ALGS, isSigningAlg, type SigningAlg } from '@tessera/token';

/**
 * JWS algorithms the guard can verify: those `@tessera/token` implements (EdDSA, ES256, RS256). HS* is
 * absent on purpose: a resource server holding a shared secret could mint tokens (RFC 8725 §3.2), and
 * `none` is never accepted (RFC 8725 §3.1).
 */
export const SUPPORTED_ALGORITHMS: readonly SigningAlg[] = SIGNING_ALGS;
export type JwsAlgorithm = SigningAlg;

/**
 * The default allow-list: ES256 and EdDSA (FAPI 2.0 SP §5.4, RFC 8725 §3.2). RS256 must be opted into
 * where interop requires it.
 */
export const DEFAULT_ALGORITHMS: readonly JwsAlgorithm[] = ['ES256', 'EdDSA'];

export const isSupportedAlgorithm = isSigningAlg;

/** The key type (and curve) an algorithm needs: each key is usable with exactly one algorithm (C-30). */
export function keyShapeOf(alg: JwsAlgorithm): { kty: 'EC' | 'RSA' | 'OKP'; crv?: string } {
  if (alg === 'ES256') return { kty: 'EC', crv: 'P-256' };
  if (alg === 'EdDSA') return { kty: 'OKP', crv: 'Ed25519' };
  return { kty: 'RSA' };
}
