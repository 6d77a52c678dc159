import { createHmac, sign, type KeyObject } from 'node:crypto';
import { generateSigningKey, type SigningAlg, type SigningKey, type VerificationKey } from '../src/index.js';

export const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');
export const json64 = (value: unknown) => b64(JSON.stringify(value));

/** Sign arbitrary header/payload text the way an attacker (or another library) might. */
export function forge(headerJson: string | Buffer, payloadJson: string | Buffer, key: KeyObject | null, alg: string): string {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  let signature: Buffer;
  if (key === null) signature = Buffer.alloc(0);
  else if (alg === 'EdDSA') signature = sign(null, Buffer.from(input), key);
  else if (alg === 'ES256') signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else signature = sign('sha256', Buffer.from(input), key);
  return `${input}.${b64(signature)}`;
}

export function hmacForge(headerJson: string, payloadJson: string, secret: Buffer): string {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  return `${input}.${b64(createHmac('sha256', secret).update(input).digest())}`;
}

export const NOW = 1_780_000_000; // frozen clock, seconds

export const claims = (extra: Record<string, unknown> = {}) => ({
  iss: 'https://as.example',
  sub: 'user-1',
  aud: 'https://api.example',
  client_id: 'client-1',
  iat: NOW,
  exp: NOW + 300,
  jti: 'jti-1',
  scope: 'read write',
  ...extra,
});

const cache = new Map<SigningAlg, Promise<SigningKey>>();
/** One key per algorithm per test file (RSA generation is slow). */
export function keyFor(alg: SigningAlg): Promise<SigningKey> {
  let key = cache.get(alg);
  if (key === undefined) cache.set(alg, (key = generateSigningKey(alg)));
  return key;
}

export function verificationKey(key: SigningKey): VerificationKey {
  return { kid: key.kid, alg: key.alg, key: key.publicKey };
}

export function keyring(...keys: SigningKey[]) {
  const byKid = new Map(keys.map((k) => [k.kid, verificationKey(k)]));
  return (kid: string | undefined) => (kid === undefined ? undefined : byKid.get(kid));
}
