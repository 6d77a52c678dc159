import { hkdfSync } from 'node:crypto';

/**
 * The DPoP nonce key, derived from the master key (HKDF-SHA-256, RFC 5869) so every instance of one
 * deployment issues and accepts the same nonces without sharing any other secret, and the master key
 * itself never keys an HMAC.
 */
export function dpopNonceSecret(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'tessera dpop nonce v1', 32));
}
