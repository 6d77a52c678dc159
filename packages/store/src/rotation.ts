import type { NewTokenRecord, TokenRecord, TokenRotation } from './contracts/index.js';

/** A stored copy of a new token: the rotation fields default to `null` (a token is born unrotated). */
export function unrotated(record: NewTokenRecord): TokenRecord {
  return structuredClone({ ...record, rotatedAt: record.rotatedAt ?? null, successorHash: record.successorHash ?? null });
}

/**
 * Why `old` cannot be rotated at `at`, or `undefined` if it can. The order matters: a revoked token is
 * reported as revoked even if it was rotated first (its family is already dead), and a rotated one as
 * rotated even once expired (a late replay is still reuse, RFC 9700 §4.14.2).
 */
export function rotationRefusal(old: TokenRecord, at: Date): Exclude<TokenRotation['status'], 'rotated' | 'not_found'> | undefined {
  if (old.revokedAt !== null) return 'revoked';
  if (old.rotatedAt !== null) return 'already_rotated';
  if (old.expiresAt.getTime() <= at.getTime()) return 'expired';
  return undefined;
}
