import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { DEFAULT_RSA_MODULUS_LENGTH, MIN_RSA_MODULUS_LENGTH, type SigningAlg } from './algorithms.js';
import { jwkThumbprint } from './thumbprint.js';

const generate = promisify(generateKeyPair);

/** A public JWK as published in the JWKS (RFC 7517 §4): key members plus `kid`, `alg`, `use: "sig"`. */
export interface PublicJwk {
  kty: 'OKP' | 'EC' | 'RSA';
  kid: string;
  alg: SigningAlg;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** A freshly generated signing key pair, pinned to one algorithm (RFC 8725 §3.1). */
export interface SigningKey {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: PublicJwk;
}

/** Options for {@link generateSigningKey}. */
export interface GenerateOptions {
  /** RS256 only; default {@link DEFAULT_RSA_MODULUS_LENGTH}, minimum 2048. */
  rsaModulusLength?: number;
}

async function generatePair(alg: SigningAlg, options: GenerateOptions) {
  switch (alg) {
    case 'EdDSA':
      return generate('ed25519');
    case 'ES256':
      return generate('ec', { namedCurve: 'P-256' });
    case 'RS256': {
      const modulusLength = options.rsaModulusLength ?? DEFAULT_RSA_MODULUS_LENGTH;
      if (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_MODULUS_LENGTH) {
        throw new RangeError(`RSA modulus must be at least ${MIN_RSA_MODULUS_LENGTH} bits`);
      }
      return generate('rsa', { modulusLength, publicExponent: 0x10001 });
    }
  }
}

/**
 * Generate a signing key for `alg` (Ed25519, P-256 or RSA). Generation runs on the libuv thread pool,
 * so an RSA key does not block the event loop.
 */
export async function generateSigningKey(alg: SigningAlg, options: GenerateOptions = {}): Promise<SigningKey> {
  const { privateKey, publicKey } = await generatePair(alg, options);
  return signingKeyFromPair(alg, privateKey, publicKey);
}

/** Build the {@link SigningKey} view (kid, JWK) of an existing key pair. */
export function signingKeyFromPair(alg: SigningAlg, privateKey: KeyObject, publicKey: KeyObject): SigningKey {
  const raw = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const kid = jwkThumbprint(raw);
  const publicJwk: PublicJwk =
    raw.kty === 'RSA'
      ? { kty: 'RSA', n: raw.n!, e: raw.e!, kid, alg, use: 'sig' }
      : raw.kty === 'EC'
        ? { kty: 'EC', crv: raw.crv!, x: raw.x!, y: raw.y!, kid, alg, use: 'sig' }
        : { kty: 'OKP', crv: raw.crv!, x: raw.x!, kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}
