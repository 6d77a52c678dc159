import type { Versioned } from './common.js';

export type KeyState = 'next' | 'current' | 'retired';

/**
 * A signing key. Life cycle: `next` (published in the JWKS, not yet signing) → `current` (signs) →
 * `retired` (published until every token it signed has expired) → deleted.
 */
export interface SigningKeyRecord extends Versioned {
  kid: string;
  alg: 'EdDSA' | 'ES256' | 'RS256';
  state: KeyState;
  /** Public JWK as published (includes `kid`, `alg`, `use: "sig"`). */
  publicJwk: Record<string, unknown>;
  /** PKCS#8 private key encrypted under the master key (AES-256-GCM envelope, see @tessera/token). */
  encryptedPrivateKey: string;
  createdAt: Date;
  /** When it became (or is scheduled to become) `current`. */
  activatesAt: Date;
  /** When it was retired; `null` while `next` or `current`. */
  retiredAt: Date | null;
  /** After this instant the key leaves the JWKS and may be deleted; `null` until retired. */
  removeAfter: Date | null;
}

export interface KeyStore {
  /** All keys, every state, ordered by `createdAt`. */
  list(): Promise<SigningKeyRecord[]>;
  /** Insert. Rejects with {@link ConflictError} on a duplicate `kid`. */
  insert(record: SigningKeyRecord): Promise<void>;
  /**
   * Compare-and-set the state: applies `patch` only if the key is currently in state `from`. Returns
   * whether it applied, so that several nodes racing on one rotation apply it exactly once.
   */
  transition(
    kid: string,
    from: KeyState,
    patch: Partial<Pick<SigningKeyRecord, 'state' | 'activatesAt' | 'retiredAt' | 'removeAfter'>>,
  ): Promise<boolean>;
  /** Delete; false if absent. */
  delete(kid: string): Promise<boolean>;
}
