import { createHash, type KeyObject } from 'node:crypto';
import type { SigningKeyRecord } from '@tessera/store';
import {
  createJwtSigner,
  decryptPrivateKey,
  importPublicJwk,
  isPublished,
  preferredCurrent,
  type JwtSigner,
  type SigningAlg,
  type VerificationKey,
} from '@tessera/token';

/** An immutable view of the key set, swapped in whole after each successful reload. */
export interface KeySnapshot {
  readonly records: readonly SigningKeyRecord[];
  readonly signers: ReadonlyMap<SigningAlg, JwtSigner>;
  readonly verification: ReadonlyMap<string, VerificationKey>;
  readonly jwks: { readonly keys: readonly Record<string, unknown>[] };
  /** Strong ETag of the JWKS document (RFC 9110 §8.8.3). */
  readonly etag: string;
  /** Epoch ms at which a retired key leaves the JWKS, forcing a rebuild; Infinity if none. */
  readonly expiresAt: number;
}

/** Decrypted signers and imported public keys survive reloads, keyed by kid (keys are immutable). */
export interface KeyCaches {
  signers: Map<string, JwtSigner>;
  publicKeys: Map<string, KeyObject>;
}

export interface SnapshotInput {
  records: readonly SigningKeyRecord[];
  algs: readonly SigningAlg[];
  masterKey: Buffer;
  now: number;
  caches: KeyCaches;
  warn(fields: object, message: string): void;
}

/**
 * Build the view: one signer per configured algorithm (its preferred current key, private key
 * decrypted only for that key), verification keys and JWKS for every published key. Throws if a
 * configured algorithm has no current key or its private key cannot be decrypted: signing with
 * anything else would be wrong, so the caller keeps its previous snapshot.
 */
export function buildSnapshot({ records, algs, masterKey, now, caches, warn }: SnapshotInput): KeySnapshot {
  const nowDate = new Date(now);
  const signers = new Map<SigningAlg, JwtSigner>();
  for (const alg of algs) {
    const current = preferredCurrent(records, alg);
    if (current === undefined) throw new Error(`keys: no current ${alg} signing key in the store`);
    let signer = caches.signers.get(current.kid);
    if (signer === undefined) {
      const privateKey = decryptPrivateKey(current.encryptedPrivateKey, masterKey, current.kid);
      signer = createJwtSigner({ kid: current.kid, alg, privateKey });
      caches.signers.set(current.kid, signer);
    }
    signers.set(alg, signer);
  }
  for (const kid of caches.signers.keys()) {
    if (![...signers.values()].some((s) => s.kid === kid)) caches.signers.delete(kid);
  }

  const verification = new Map<string, VerificationKey>();
  const published: Record<string, unknown>[] = [];
  let expiresAt = Number.POSITIVE_INFINITY;
  for (const record of records) {
    if (!isPublished(record, nowDate)) continue;
    let key = caches.publicKeys.get(record.kid);
    if (key === undefined) {
      try {
        key = importPublicJwk(record.publicJwk, record.alg);
      } catch (error) {
        warn({ kid: record.kid, err: error }, 'keys: stored public JWK is invalid; key not published');
        continue;
      }
      caches.publicKeys.set(record.kid, key);
    }
    verification.set(record.kid, Object.freeze({ kid: record.kid, alg: record.alg, key }));
    published.push(Object.freeze({ ...record.publicJwk, kid: record.kid, alg: record.alg, use: 'sig' }));
    if (record.removeAfter !== null) expiresAt = Math.min(expiresAt, record.removeAfter.getTime());
  }
  for (const kid of caches.publicKeys.keys()) if (!verification.has(kid)) caches.publicKeys.delete(kid);

  const jwks = Object.freeze({ keys: Object.freeze(published) });
  const etag = `"${createHash('sha256').update(JSON.stringify(jwks)).digest('base64url').slice(0, 22)}"`;
  return Object.freeze({ records: Object.freeze([...records]), signers, verification, jwks, etag, expiresAt });
}
