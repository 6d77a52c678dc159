import { importPublicJwk, type VerificationKey } from '@tessera/token';
import { keyShapeOf, isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { isPlainObject } from './http.js';

/** A verification key, imported once into a KeyObject, pinned to exactly one algorithm (C-30). */
export type KeyEntry = VerificationKey;

export type ImportResult = { ok: true; entry: KeyEntry } | { ok: false; reason: string };

/**
 * Import one JWK from the authorization server's JWKS.
 *
 * The algorithm is the JWK's `alg` when present; otherwise it is inferred from `kty`/`crv`, which is
 * unambiguous for EC P-256 (ES256) and OKP Ed25519 (EdDSA). An RSA JWK without `alg` is usable only
 * when RS256 is allowed (the one RSA algorithm supported). Keys for other uses (`use` ≠ `sig`,
 * `key_ops` without `verify`), symmetric and private keys, and RSA keys under 2048 bits are skipped
 * (the import itself is `@tessera/token`'s `importPublicJwk`). A key without `kid` gets kid `''`.
 */
export function importJwk(jwk: unknown, allowed: ReadonlySet<JwsAlgorithm>): ImportResult {
  if (!isPlainObject(jwk) || typeof jwk.kty !== 'string') return { ok: false, reason: 'not a JWK' };
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return { ok: false, reason: 'kid is not a string' };
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) {
    return { ok: false, reason: 'key_ops lacks verify' };
  }
  const alg = jwk.alg === undefined ? inferAlgorithm(jwk, allowed) : jwk.alg;
  if (!isSupportedAlgorithm(alg) || !allowed.has(alg)) return { ok: false, reason: `alg ${String(alg).slice(0, 16)} not allowed` };
  try {
    return { ok: true, entry: { kid: jwk.kid ?? '', alg, key: importPublicJwk(jwk, alg) } };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

function inferAlgorithm(jwk: Record<string, unknown>, allowed: ReadonlySet<JwsAlgorithm>): JwsAlgorithm | undefined {
  for (const alg of allowed) {
    const shape = keyShapeOf(alg);
    if (shape.kty === jwk.kty && (shape.crv === undefined || shape.crv === jwk.crv)) return alg;
  }
  return undefined;
}
