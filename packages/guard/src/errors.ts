/**
 * The guard's one error type. `code` is the RFC error code sent to the caller; `reason` is the precise
 * cause for the operator's log only (e.g. the TokenError code `bad_signature`); neither the token nor a
 * secret ever appears in either.
 */
export type GuardErrorCode =
  /** RFC 6750 §3.1: malformed request, token in the query string, several credentials → 400. */
  | 'invalid_request'
  /** RFC 6750 §3.1: expired, revoked, malformed or otherwise invalid token → 401. */
  | 'invalid_token'
  /** RFC 6750 §3.1: the token lacks the privileges the resource needs → 403. */
  | 'insufficient_scope'
  /** RFC 9470 §3: the authentication event behind the token is too weak or too old → 401. */
  | 'insufficient_user_authentication'
  /** RFC 9449 §7.1: the DPoP proof is missing, invalid, replayed or made with another key → 401. */
  | 'invalid_dpop_proof'
  /** RFC 9449 §9: retry with a proof carrying the nonce from the `DPoP-Nonce` header → 401. */
  | 'use_dpop_nonce'
  /** RFC 6749 §4.1.2.1 code: the authorization server (JWKS/introspection) could not be reached → 503. */
  | 'temporarily_unavailable';

const STATUS: Record<GuardErrorCode, 400 | 401 | 403 | 503> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  insufficient_user_authentication: 401,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  temporarily_unavailable: 503,
};

/** Client-safe descriptions: generic on purpose (RFC 6750 §3: tell the caller no more than needed). */
const DESCRIPTION: Record<GuardErrorCode, string> = {
  invalid_request: 'The request is malformed',
  invalid_token: 'The access token is invalid',
  insufficient_scope: 'The access token does not grant the required scope',
  insufficient_user_authentication: 'A stronger or more recent user authentication is required',
  invalid_dpop_proof: 'The DPoP proof is invalid',
  use_dpop_nonce: 'A DPoP proof with the server-provided nonce is required',
  temporarily_unavailable: 'The token cannot be validated right now',
};

/** Extra challenge attributes (RFC 6750 §3 `scope`, RFC 9470 §3 `acr_values` / `max_age`). */
export interface ChallengeParams {
  scope?: string;
  acrValues?: string;
  maxAge?: number;
  /** The request used (or must use) the DPoP scheme: the challenge is `DPoP …` (RFC 9449 §7.1). */
  dpop?: boolean;
  /** A fresh nonce for the `DPoP-Nonce` response header (RFC 9449 §9). */
  nonce?: string;
}

export class GuardError extends Error {
  override readonly name = 'GuardError';
  /** HTTP status to answer with. */
  readonly status: 400 | 401 | 403 | 503;
  /** Client-safe `error_description`. */
  readonly description: string;
  /** Challenge attributes that belong in `WWW-Authenticate`. */
  readonly params: ChallengeParams;

  /**
   * @param code RFC error code, or `undefined` when the request carried no credentials at all
   *   (RFC 6750 §3.1: "the resource server SHOULD NOT include an error code").
   * @param reason Operator-only reason (a TokenError code or a short phrase), for logs.
   */
  constructor(
    readonly code: GuardErrorCode | undefined,
    readonly reason: string,
    params: ChallengeParams = {},
  ) {
    super(code === undefined ? `no credentials (${reason})` : `${code} (${reason})`);
    this.status = code === undefined ? 401 : STATUS[code];
    this.description = code === undefined ? '' : DESCRIPTION[code];
    this.params = params;
  }

  /** The same refusal, answered in the DPoP scheme (the request used it, RFC 9449 §7.1). */
  inDpopScheme(): GuardError {
    return this.params.dpop === true ? this : new GuardError(this.code, this.reason, { ...this.params, dpop: true });
  }

  /** The `WWW-Authenticate` header value for the given realm. */
  challenge(realm: string): string {
    return buildChallenge(realm, this);
  }

  /** The JSON body adapters send (RFC 6750 does not define a body; mirrors the challenge). */
  toJSON(): { error?: string; error_description?: string } {
    return this.code === undefined ? {} : { error: this.code, error_description: this.description };
  }
}

/** Narrowing helper for callers that catch `unknown`. */
export function isGuardError(error: unknown): error is GuardError {
  return error instanceof GuardError;
}

/**
 * RFC 7235 §2.1 quoted-string: backslash-escape `"` and `\`, drop control characters (CR/LF would
 * split the header). RFC 6750 §3 further limits `error_description` and `scope` to printable ASCII
 * without `"`/`\`; ours are generated, and stray characters are removed rather than trusted.
 */
export function quote(value: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return `"${value.replace(/[\x00-\x1f\x7f]/g, '').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function printable(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/** What the guard accepts, for the challenge: Bearer, DPoP (with its `algs`, RFC 9449 §7.1), or both. */
export interface ChallengeSchemes {
  bearer: boolean;
  /** Space-separated DPoP proof algorithms, or undefined when DPoP is off. */
  dpopAlgs: string | undefined;
}

const BEARER_ONLY: ChallengeSchemes = { bearer: true, dpopAlgs: undefined };

/**
 * Build the `WWW-Authenticate` value (RFC 6750 §3, RFC 9470 §3, RFC 9449 §7.1). Without credentials
 * every accepted scheme is offered (RFC 9449 §7.2: `Bearer …, DPoP …`); an error is reported in the
 * scheme the request used (`DPoP error="invalid_dpop_proof", algs="…"` for DPoP requests).
 */
export function buildChallenge(realm: string, error?: GuardError, schemes: ChallengeSchemes = BEARER_ONLY): string {
  const parts = [`realm=${quote(realm)}`];
  if (error?.code !== undefined && error.code !== 'temporarily_unavailable') {
    parts.push(`error=${quote(error.code)}`, `error_description=${quote(printable(error.description))}`);
    const { scope, acrValues, maxAge } = error.params;
    if (scope !== undefined) parts.push(`scope=${quote(printable(scope))}`);
    if (acrValues !== undefined) parts.push(`acr_values=${quote(printable(acrValues))}`);
    if (maxAge !== undefined) parts.push(`max_age=${quote(String(maxAge))}`);
  }
  const dpop = schemes.dpopAlgs === undefined ? undefined : `DPoP ${[...parts, `algs=${quote(schemes.dpopAlgs)}`].join(', ')}`;
  const bearer = `Bearer ${parts.join(', ')}`;
  if (dpop === undefined) return bearer;
  if (error?.params.dpop === true) return dpop;
  if (error?.code !== undefined && error.code !== 'temporarily_unavailable') return schemes.bearer ? bearer : dpop;
  return schemes.bearer ? `${bearer}, DPoP realm=${quote(realm)}, algs=${quote(schemes.dpopAlgs!)}` : dpop;
}
