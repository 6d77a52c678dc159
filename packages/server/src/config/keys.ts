import { z } from 'zod';
import { duration } from './duration.js';

/**
 * Signing keys. ES256 is the access-token default: on this machine's OpenSSL node:crypto signs P-256 at
 * ~35k/s against ~26k/s for Ed25519 (issue 2 figures) and verifies it faster too, and every JWT library
 * and FAPI 2.0 (§5.4) accept it; EdDSA support is still missing in some resource-server stacks.
 */
export const keysSchema = z.object({
  masterKey: z
    .union([z.instanceof(Buffer), z.string().min(1)])
    .describe('32-byte key encrypting private signing keys at rest (Buffer, or base64/base64url/hex text)'),
  accessTokenAlg: z.enum(['ES256', 'EdDSA', 'RS256']).default('ES256').describe('Algorithm of JWT access tokens'),
  rotationPeriod: duration({ min: 3600 }).default(30 * 86_400).describe('How long a key signs before the next one takes over'),
  publishAhead: duration({ min: 1 })
    .default(86_400)
    .describe('How long a next key is in the JWKS before it signs; must be at least jwksCacheMaxAge'),
  retainAfterRetire: duration({ min: 1 })
    .default(2 * 86_400)
    .describe('How long a retired key stays in the JWKS; must be at least the longest access-token lifetime'),
  jwksCacheMaxAge: duration({ min: 0, max: 7 * 86_400 }).default(600).describe('Cache-Control max-age of the JWKS, seconds'),
  tickInterval: duration({ min: 1 }).default(30).describe('How often the key manager re-reads and rotates keys'),
});

export type KeysConfig = z.output<typeof keysSchema>;
