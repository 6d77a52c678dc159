import { constants, createPublicKey, type KeyObject } from 'node:crypto';
import { MIN_RSA_MODULUS_LENGTH } from '../keys/algorithms.js';
import { jwkThumbprint } from '../keys/thumbprint.js';
import type { DpopAlg } from './algorithms.js';
import { DpopError } from './errors.js';

/** Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** A proof key ready for `crypto.verify`, pinned to the proof's `alg`. */
export interface ProofKey {
  alg: DpopAlg;
  /** RFC 7638 thumbprint: the `jkt` tokens are bound to (RFC 9449 §6.1). */
  jkt: string;
  /** The public JWK with only its key-defining members (what is safe to store or log). */
  jwk: Readonly<Record<string, string>>;
  digest: 'sha256' | null;
  verifyKey: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' } | { key: KeyObject; padding: number; saltLength: number };
  signatureBytes: number;
}

function members(jwk: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') throw new DpopError('invalid_jwk', `DPoP "jwk" lacks "${name}"`);
    out[name] = value;
  }
  return out;
}

/**
 * Check the `jwk` header of a proof and import it for `alg` (RFC 9449 §4.3 checks 5–7): a JSON object,
 * no private member, `kty`/`crv` fitting the algorithm, its own `alg` (if any) equal, RSA ≥ 2048 bits;
 * node:crypto refuses EC points off the curve (RFC 8725 §3.4).
 */
export function importProofKey(jwk: unknown, alg: DpopAlg): ProofKey {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new DpopError('invalid_jwk', 'DPoP "jwk" is not a JSON object');
  const record = jwk as Record<string, unknown>;
  for (const name of PRIVATE_MEMBERS) {
    if (name in record) throw new DpopError('private_key_in_jwk', 'DPoP "jwk" contains private key material');
  }
  if (record.alg !== undefined && record.alg !== alg) throw new DpopError('invalid_jwk', 'DPoP "jwk" alg differs from the proof alg');
  if (record.use !== undefined && record.use !== 'sig') throw new DpopError('invalid_jwk', 'DPoP "jwk" use is not "sig"');
  let material: Record<string, string>;
  if (alg === 'ES256') {
    if (record.kty !== 'EC' || record.crv !== 'P-256') throw new DpopError('invalid_jwk', 'ES256 needs an EC P-256 "jwk"');
    material = members(record, ['crv', 'kty', 'x', 'y']);
  } else if (alg === 'EdDSA') {
    if (record.kty !== 'OKP' || record.crv !== 'Ed25519') throw new DpopError('invalid_jwk', 'EdDSA needs an OKP Ed25519 "jwk"');
    material = members(record, ['crv', 'kty', 'x']);
  } else {
    if (record.kty !== 'RSA') throw new DpopError('invalid_jwk', `${alg} needs an RSA "jwk"`);
    material = members(record, ['e', 'kty', 'n']);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: material as never, format: 'jwk' });
  } catch {
    throw new DpopError('invalid_jwk', 'DPoP "jwk" is not a valid public key');
  }
  let signatureBytes = 64;
  if (alg === 'RS256' || alg === 'PS256') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_MODULUS_LENGTH) throw new DpopError('invalid_jwk', `RSA proof keys must have at least ${MIN_RSA_MODULUS_LENGTH} bits`);
    signatureBytes = Math.ceil(bits / 8);
  }
  const verifyKey =
    alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const }
    : alg === 'PS256' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } // RFC 7518 §3.5: salt = hash size
    : key;
  return {
    alg,
    jkt: jwkThumbprint(material),
    jwk: Object.freeze(material),
    digest: alg === 'EdDSA' ? null : 'sha256',
    verifyKey,
    signatureBytes,
  };
}
