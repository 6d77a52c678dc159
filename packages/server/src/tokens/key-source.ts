import type { JwtSigner, SigningAlg, VerificationKey } from '@tessera/token';

/**
 * What the endpoints need from the key manager (packages/server/src/keys): a signer for the current
 * key, verification keys by kid, and the published JWK Set. All synchronous: no I/O on the hot path.
 */
export interface KeySource {
  signer(alg: SigningAlg): JwtSigner;
  verificationKey(kid: string | undefined, alg: string): VerificationKey | undefined;
  jwks(): { keys: readonly object[] };
}
