/**
 * The signing algorithms Tessera issues with (RFC 8725 §3.2; FAPI 2.0 SP §5.4). RS256 stays because
 * OpenID Connect Core §15.1 makes it mandatory for ID tokens. HS* and `none` are never accepted.
 */
export type SigningAlg = 'EdDSA' | 'ES256' | 'RS256';

export const SIGNING_ALGS: readonly SigningAlg[] = Object.freeze(['EdDSA', 'ES256', 'RS256']);

/** Type guard over untrusted input (a JOSE header's `alg`, a config value). */
export function isSigningAlg(value: unknown): value is SigningAlg {
  return value === 'EdDSA' || value === 'ES256' || value === 'RS256';
}

/**
 * RSA modulus for generated RS256 keys. 2048 bits is the floor of RFC 7518 §3.3 and FAPI 2.0, and NIST
 * SP 800-57 accepts it through 2030; 3072-bit signing is ~3× slower, and keys here live only one
 * rotation period. Callers wanting more pass `rsaModulusLength`.
 */
export const DEFAULT_RSA_MODULUS_LENGTH = 2048;
export const MIN_RSA_MODULUS_LENGTH = 2048;
