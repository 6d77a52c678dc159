import type { KeyObject } from 'node:crypto';
import { TokenError } from '../errors.js';
import { MIN_RSA_MODULUS_LENGTH, type SigningAlg } from '../keys/algorithms.js';
import { encodedLength } from './segments.js';

/** What a key may do, learnt once per KeyObject (its getters cross into C++ on every access). */
export interface KeyFacts {
  alg: SigningAlg;
  /** RS256: exact signature length in bytes (RFC 7518 §3.3: the signature is k octets). */
  signatureBytes: number;
  /** Length of the signature's base64url spelling, checked before decoding it. */
  signatureChars: number;
  /** `crypto.verify` arguments, built once: digest, and the key (ES256: R‖S, not DER, RFC 7518 §3.4). */
  digest: 'sha256' | null;
  verifyKey: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' };
  /**
   * Where this key's signatures are decoded: exactly `signatureBytes` long, so crypto.verify gets it
   * without a new view. Written and read within one synchronous verifyJwt call.
   */
  signature: Buffer;
}

const facts = new WeakMap<KeyObject, KeyFacts>();

/**
 * Refuse a key whose type does not fit the algorithm it is pinned to: calling crypto.verify('sha256')
 * with an RSA key for a token that says ES256 would be an algorithm confusion (RFC 8725 §2.1, §3.1).
 */
export function keyFacts(key: KeyObject, alg: SigningAlg): KeyFacts {
  const known = facts.get(key);
  if (known !== undefined && known.alg === alg) return known;
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  let signatureBytes: number;
  if (alg === 'EdDSA' && type === 'ed25519') signatureBytes = 64;
  else if (alg === 'ES256' && type === 'ec' && details.namedCurve === 'prime256v1') signatureBytes = 64;
  else if (alg === 'RS256' && type === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_MODULUS_LENGTH) {
    signatureBytes = Math.ceil(details.modulusLength! / 8);
  } else throw new TokenError('invalid_key', `key type ${type ?? 'unknown'} cannot be used with ${alg}`);
  const result: KeyFacts = {
    alg,
    signatureBytes,
    signatureChars: encodedLength(signatureBytes),
    digest: alg === 'EdDSA' ? null : 'sha256',
    verifyKey: alg === 'ES256' ? Object.freeze({ key, dsaEncoding: 'ieee-p1363' as const }) : key,
    signature: Buffer.alloc(signatureBytes),
  };
  facts.set(key, result);
  return result;
}
