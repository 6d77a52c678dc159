/**
 * Why a token, key or claim set was refused. The code is stable and machine-readable (switch on it);
 * the message is safe for operators' logs and never contains the token, a key or a secret.
 */
export type TokenErrorCode =
  | 'malformed'
  | 'too_large'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'wrong_typ'
  | 'forbidden_header'
  | 'crit_unsupported'
  | 'duplicate_member'
  | 'invalid_utf8'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claim'
  | 'invalid_key'
  | 'invalid_master_key'
  | 'decrypt_failed';

/** The single error type of `@tessera/token`. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  /** The claim or header member concerned, when there is one (e.g. `exp`, `aud`, `jku`). */
  readonly claim: string | undefined;

  constructor(
    readonly code: TokenErrorCode,
    message: string,
    options: { claim?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.claim = options.claim;
  }
}

/** Narrowing helper for callers that catch `unknown`. */
export function isTokenError(error: unknown): error is TokenError {
  return error instanceof TokenError;
}
