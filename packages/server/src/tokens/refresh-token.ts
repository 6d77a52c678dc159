import { createHmac, hkdfSync } from 'node:crypto';
import { hashSecret, mintOpaque, OPAQUE_PREFIXES } from '@tessera/token';

/**
 * Refresh-token values. The first token of a grant is random; each successor is DERIVED from its
 * predecessor, HMAC-SHA256(key, predecessor), under a key derived from the master key. That is what
 * makes the grace window safe across nodes and retries: a second request with the same predecessor
 * re-derives the very successor the first request stored (its hash equals `successorHash`), so both
 * callers end up holding the one live token of the family, and nothing secret is stored to do it.
 * Knowing a successor requires both the predecessor value (never stored) and the key (never stored).
 */
export interface RefreshTokenValues {
  /** A new family's first token. */
  first(): { value: string; hash: string };
  /** The successor of `predecessor`: same input, same output. */
  successor(predecessor: string): { value: string; hash: string };
  /**
   * The `jti` of the access token issued together with the refresh token whose hash is given: derived,
   * so a family revocation can list every JWT the family produced by walking the refresh chain (the
   * grace window's repeated answers share it).
   */
  accessJti(refreshHash: string): string;
}

export function createRefreshTokenValues(masterKey: Buffer): RefreshTokenValues {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'tessera/refresh-token-successor/v1', 32));
  const jtiKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'tessera/refresh-access-jti/v1', 32));
  return {
    first: () => mintOpaque('refresh_token'),
    successor(predecessor) {
      const value = OPAQUE_PREFIXES.refresh_token + createHmac('sha256', key).update(predecessor, 'utf8').digest('base64url');
      return { value, hash: hashSecret(value) };
    },
    accessJti: (refreshHash) => createHmac('sha256', jtiKey).update(refreshHash, 'utf8').digest('base64url').slice(0, 32),
  };
}
