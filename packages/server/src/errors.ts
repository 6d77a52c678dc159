/**
 * OAuth errors, one code per RFC error, each knowing its HTTP status. The client sees `code` and
 * `description`; `detail` is for operators (logs) and never leaves the server.
 *
 * Sources: RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 8628 §3.5, RFC 8707 §2,
 * RFC 9449 §5 and §8, OpenID Connect Core §3.1.2.6.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'invalid_request_uri'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_request_object'
  | 'invalid_client_metadata'
  | 'invalid_redirect_uri'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'not_found'
  | 'temporarily_unavailable'
  | 'server_error';

export type OAuthErrorStatus = 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 500 | 503;

export interface OAuthErrorOptions {
  /** Operator-only explanation; logged, never sent. */
  detail?: string;
  cause?: unknown;
  /** Extra response headers (e.g. `WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`). */
  headers?: Record<string, string>;
  /**
   * RFC 6750 §3.1: a request that carries no authentication information gets no error code or other
   * error information: the challenge alone, and `{}` as the body. `code` still names it in logs.
   */
  bare?: boolean;
}

/** The one error type that may reach a client. Everything else becomes `server_error` at the edge. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly bare: boolean;

  constructor(
    readonly code: OAuthErrorCode,
    readonly status: OAuthErrorStatus,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description, { cause: options.cause });
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.bare = options.bare === true;
  }

  /** The wire form (RFC 6749 §5.2), `{}` when bare. `detail` is deliberately absent. */
  toJSON(): { error: OAuthErrorCode; error_description: string } | Record<string, never> {
    return this.bare ? {} : { error: this.code, error_description: this.description };
  }
}

const factory =
  (code: OAuthErrorCode, status: OAuthErrorStatus, fallback: string) =>
  (description: string = fallback, options?: OAuthErrorOptions) =>
    new OAuthError(code, status, description, options);

export const invalidRequest = factory('invalid_request', 400, 'the request is malformed');
/** 401 per RFC 6749 §5.2; the caller adds `WWW-Authenticate` when the client used the Authorization header. */
export const invalidClient = factory('invalid_client', 401, 'client authentication failed');
export const invalidGrant = factory('invalid_grant', 400, 'the grant is invalid, expired or revoked');
export const unauthorizedClient = factory('unauthorized_client', 400, 'the client may not use this grant type');
export const unsupportedGrantType = factory('unsupported_grant_type', 400, 'the grant type is not supported');
export const invalidScope = factory('invalid_scope', 400, 'the requested scope is invalid or exceeds what is allowed');
export const invalidTarget = factory('invalid_target', 400, 'the requested resource is invalid or not allowed');
export const accessDenied = factory('access_denied', 403, 'access denied');
/** RFC 8628 §3.5 device-flow poll answers (400, RFC 6749 §5.2 shape). */
export const authorizationPending = factory('authorization_pending', 400, 'the user has not yet completed the authorization');
export const slowDown = factory('slow_down', 400, 'polling too fast; add 5 seconds to the interval');
export const expiredToken = factory('expired_token', 400, 'the device_code has expired');
/** RFC 8628 §3.5 `access_denied` at the token endpoint: 400 like every §5.2 error, unlike {@link accessDenied}. */
export const deviceAccessDenied = factory('access_denied', 400, 'the user denied the authorization request');
export const unsupportedTokenType = factory('unsupported_token_type', 400, 'the token type is not supported');
export const invalidToken = factory('invalid_token', 401, 'the access token is invalid');
/**
 * RFC 6750 §3.1: a request without any access token gets `challenge` (which names no error) and `{}`,
 * no error code or other error information; `invalid_token` names it in logs only.
 */
export const noAccessToken = (challenge: string, description = 'an access token is required') =>
  new OAuthError('invalid_token', 401, description, { headers: { 'www-authenticate': challenge }, bare: true });
/** RFC 9449 §5, §7.1: the DPoP proof is missing, malformed, replayed or does not fit the request (400 at /token). */
export const invalidDpopProof = factory('invalid_dpop_proof', 400, 'the DPoP proof is invalid');
/** RFC 9449 §8: retry with a proof carrying the nonce from the `DPoP-Nonce` header (the caller adds it). */
export const useDpopNonce = factory('use_dpop_nonce', 400, 'a DPoP proof with the server-provided nonce is required');
/** Transport-level refusals keep the RFC 6749 §5.2 body (`invalid_request`) with the precise HTTP status. */
export const methodNotAllowed = factory('invalid_request', 405, 'method not allowed');
export const payloadTooLarge = factory('invalid_request', 413, 'the request body is too large');
export const unsupportedMediaType = factory('invalid_request', 415, 'content type must be application/x-www-form-urlencoded');
/** Unknown path: not an OAuth error, but answered in the same JSON shape. */
export const notFound = factory('not_found', 404, 'not found');
export const temporarilyUnavailable = factory('temporarily_unavailable', 503, 'the service is temporarily unavailable');
export const serverError = factory('server_error', 500, 'the server encountered an unexpected condition');
