/**
 * Why a DPoP proof was refused (RFC 9449 §4.3). Stable and machine-readable: servers map every reason
 * to `invalid_dpop_proof` except `nonce_missing`/`nonce_invalid` (→ `use_dpop_nonce`, RFC 9449 §8, §9).
 */
export type DpopErrorReason =
  | 'malformed'
  | 'too_large'
  | 'wrong_typ'
  | 'alg_not_allowed'
  | 'invalid_jwk'
  | 'private_key_in_jwk'
  | 'forbidden_header'
  | 'bad_signature'
  | 'missing_claim'
  | 'invalid_claim'
  | 'jti_too_long'
  | 'htm_mismatch'
  | 'htu_mismatch'
  | 'iat_too_old'
  | 'iat_in_future'
  | 'nonce_missing'
  | 'nonce_invalid'
  | 'ath_missing'
  | 'ath_mismatch'
  | 'key_mismatch';

/** The one error type of DPoP proof verification; the message never contains the proof or a key. */
export class DpopError extends Error {
  override readonly name = 'DpopError';

  constructor(
    readonly reason: DpopErrorReason,
    message: string,
  ) {
    super(message);
  }

  /** True when the fix is a new proof carrying the server's current nonce (`use_dpop_nonce`). */
  get isNonceError(): boolean {
    return this.reason === 'nonce_missing' || this.reason === 'nonce_invalid';
  }
}

export function isDpopError(error: unknown): error is DpopError {
  return error instanceof DpopError;
}
