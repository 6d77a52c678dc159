/**
 * The parameters of a `WWW-Authenticate` challenge for an access token (RFC 6750 §3, RFC 9449 §7.1),
 * in the order they are written.
 */
export interface TokenChallenge {
  /** RFC 6750 §3: the protection space (RFC 9110 §11.5). */
  readonly realm?: string | undefined;
  /** RFC 6750 §3.1: `invalid_request`, `invalid_token`, `insufficient_scope` (RFC 9449 adds `invalid_dpop_proof`, `use_dpop_nonce`). */
  readonly error?: string | undefined;
  readonly error_description?: string | undefined;
  /** Space-delimited scopes the resource needs (RFC 6750 §3). */
  readonly scope?: string | undefined;
  /** RFC 9449 §7.1: space-delimited JWS algorithms accepted for DPoP proofs. */
  readonly algs?: string | undefined;
}

const ORDER = ['realm', 'error', 'error_description', 'scope', 'algs'] as const;

/**
 * A quoted-string (RFC 9110 §5.6.4): `"` and `\` become quoted pairs, and anything outside visible
 * ASCII and space is replaced by `?` — RFC 6750 §3 allows only %x20-7E in these values, and a CR or LF
 * here would be a header injection (Node would refuse the header and the request would end in a 500).
 */
export function quoteParam(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The `WWW-Authenticate` value for the `Bearer` (RFC 6750 §3) or `DPoP` (RFC 9449 §7.1) scheme: the
 * scheme, then each parameter given, as quoted strings, comma-separated. The one place this header is
 * built, so every resource endpoint quotes the same way.
 */
export function tokenChallenge(scheme: 'Bearer' | 'DPoP', params: TokenChallenge = {}): string {
  const parts: string[] = [];
  for (const name of ORDER) {
    const value = params[name];
    if (value !== undefined) parts.push(`${name}=${quoteParam(value)}`);
  }
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}
