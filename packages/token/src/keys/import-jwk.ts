import { createPublicKey, type KeyObject } from 'node:crypto';
import { TokenError } from '../errors.js';
import { MIN_RSA_MODULUS_LENGTH, type SigningAlg } from './algorithms.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

function fail(message: string, claim?: string): never {
  throw new TokenError('invalid_key', message, claim === undefined ? {} : { claim });
}

/**
 * Import a public JWK for use with exactly one algorithm (RFC 8725 §3.1), after checking that its
 * `kty`/`crv` fit that algorithm, its own `alg`/`use` (if present) agree, it carries no private
 * member, and RSA moduli are ≥ 2048 bits. node:crypto rejects EC points not on the curve (RFC 8725 §3.4).
 */
export function importPublicJwk(jwk: Record<string, unknown>, alg: SigningAlg): KeyObject {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) fail('JWK must be an object');
  for (const member of PRIVATE_MEMBERS) if (member in jwk) fail('JWK contains private key material', member);
  if (jwk.alg !== undefined && jwk.alg !== alg) fail(`JWK "alg" does not match ${alg}`, 'alg');
  if (jwk.use !== undefined && jwk.use !== 'sig') fail('JWK "use" is not "sig"', 'use');
  const expected =
    alg === 'EdDSA' ? { kty: 'OKP', crv: 'Ed25519' } : alg === 'ES256' ? { kty: 'EC', crv: 'P-256' } : { kty: 'RSA' };
  if (jwk.kty !== expected.kty) fail(`JWK "kty" must be ${expected.kty} for ${alg}`, 'kty');
  if ('crv' in expected && jwk.crv !== expected.crv) fail(`JWK "crv" must be ${expected.crv} for ${alg}`, 'crv');

  const material: Record<string, unknown> = { kty: jwk.kty };
  for (const name of jwk.kty === 'RSA' ? ['n', 'e'] : jwk.kty === 'EC' ? ['crv', 'x', 'y'] : ['crv', 'x']) {
    if (typeof jwk[name] !== 'string') fail(`JWK is missing the "${name}" member`, name);
    material[name] = jwk[name];
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: material as never, format: 'jwk' });
  } catch (cause) {
    throw new TokenError('invalid_key', `JWK is not a valid ${alg} public key`, { cause });
  }
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_LENGTH) {
    fail(`RSA keys must be at least ${MIN_RSA_MODULUS_LENGTH} bits`, 'n');
  }
  return key;
}
