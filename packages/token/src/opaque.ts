import { createHash, hash, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Opaque credentials: 256 random bits (RFC 6749 §10.10 asks ≥ 128; FAPI 2.0 ≥ 128) in base64url behind a
 * short type prefix, so secret scanners (GitHub push protection, trufflehog) can recognise them and a
 * token presented in the wrong place (a refresh token as an access token) is told apart without a
 * lookup. Only {@link hashSecret}(value) is ever stored.
 *
 * | kind                 | prefix |
 * |----------------------|--------|
 * | access_token         | `tat_` |
 * | refresh_token        | `trt_` |
 * | authorization_code   | `tac_` |
 * | client_secret        | `tcs_` |
 * | device_code          | `tdc_` |
 * | registration_token   | `trg_` |
 */
export type OpaqueKind =
  | 'access_token'
  | 'refresh_token'
  | 'authorization_code'
  | 'client_secret'
  | 'device_code'
  | 'registration_token';

export const OPAQUE_PREFIXES: Readonly<Record<OpaqueKind, string>> = Object.freeze({
  access_token: 'tat_',
  refresh_token: 'trt_',
  authorization_code: 'tac_',
  client_secret: 'tcs_',
  device_code: 'tdc_',
  registration_token: 'trg_',
});

const KIND_BY_PREFIX = new Map<string, OpaqueKind>(
  Object.entries(OPAQUE_PREFIXES).map(([kind, prefix]) => [prefix, kind as OpaqueKind]),
);

/** Random bytes per credential: 256 bits. */
export const OPAQUE_ENTROPY_BYTES = 32;
/** Length of a minted value: 4-character prefix + 43 base64url characters. */
export const OPAQUE_LENGTH = 4 + 43;

// One randomFillSync call per 128 credentials instead of one per credential: the syscall and the
// Buffer allocation dominate the cost of small random reads. Each slice of the pool is used once.
const POOL_SIZE = OPAQUE_ENTROPY_BYTES * 128;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomSlice(): Buffer {
  if (poolOffset + OPAQUE_ENTROPY_BYTES > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + OPAQUE_ENTROPY_BYTES);
  poolOffset += OPAQUE_ENTROPY_BYTES;
  return slice;
}

/** A freshly minted credential and the only form of it that may be stored. */
export interface MintedOpaque {
  /** The credential, shown to its holder once. */
  value: string;
  /** `hashSecret(value)`: the store key (`TokenHash` of @tessera/store). */
  hash: string;
}

/** Mint a new opaque credential of the given kind. */
export function mintOpaque(kind: OpaqueKind): MintedOpaque {
  const value = OPAQUE_PREFIXES[kind] + randomSlice().toString('base64url');
  return { value, hash: hashSecret(value) };
}

/**
 * base64url(SHA-256(value)). High-entropy server-generated secrets need no slow hash (DESIGN.md,
 * "Client secrets"); SHA-256 makes a leaked table useless without making lookups slow.
 */
export function hashSecret(value: string): string {
  return hash('sha256', value, 'base64url');
}

const BODY = /^[A-Za-z0-9_-]{43}$/;

/**
 * The kind of a presented credential, judged by its prefix and shape, or `undefined` if it is not one
 * of ours. This is a routing hint, not a validation: the hash must still be found in the store.
 */
export function opaqueKindOf(value: string): OpaqueKind | undefined {
  if (typeof value !== 'string' || value.length !== OPAQUE_LENGTH) return undefined;
  const kind = KIND_BY_PREFIX.get(value.slice(0, 4));
  return kind !== undefined && BODY.test(value.slice(4)) ? kind : undefined;
}

/**
 * Constant-time string equality. Both sides are hashed first so that the comparison runs over equal
 * lengths and leaks neither the content nor the length of the secret.
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
