import { createHash } from 'node:crypto';
import { TokenError } from '../errors.js';

/** Required members per key type, already in the lexicographic order RFC 7638 §3.2 demands. */
const REQUIRED: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url): the hash of a JSON object holding only the required
 * public members, sorted, without whitespace. Used as our `kid` and as the DPoP `jkt` (RFC 9449 §6.1).
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const kty = jwk.kty;
  const members = typeof kty === 'string' ? REQUIRED[kty] : undefined;
  if (members === undefined) throw new TokenError('invalid_key', 'JWK has an unsupported or missing "kty"');
  const parts: string[] = [];
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || value.length === 0) {
      throw new TokenError('invalid_key', `JWK is missing the "${name}" member`, { claim: name });
    }
    // JSON.stringify gives the exact escaping RFC 7638 §3.3 expects for these ASCII values.
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
  }
  return createHash('sha256').update(`{${parts.join(',')}}`, 'utf8').digest('base64url');
}
