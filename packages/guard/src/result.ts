/** Claims of an RFC 9068 JWT access token or an RFC 7662 introspection response, as the guard sees them. */
export interface AccessTokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  client_id?: string;
  /** Space-separated scopes (RFC 9068 §2.2.3, RFC 7662 §2.2). */
  scope?: string;
  /** Authentication context class (OIDC Core §2, RFC 9068 §2.2.1). */
  acr?: string;
  amr?: string[];
  /** Time of the end-user authentication, seconds since the epoch. */
  auth_time?: number;
  sid?: string;
  /** Confirmation (RFC 7800); `jkt` marks a DPoP-bound token (RFC 9449 §6). */
  cnf?: { jkt?: string; [member: string]: unknown };
  [claim: string]: unknown;
}

/** What a successful verification yields; adapters expose it as `request.auth`. */
export interface AuthResult {
  /** How the token was validated: locally as a JWT, or by RFC 7662 introspection. */
  readonly source: 'jwt' | 'introspection';
  readonly claims: Readonly<AccessTokenClaims>;
  /** The token's scopes, parsed once. */
  readonly scopes: ReadonlySet<string>;
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  /** `exp` in seconds since the epoch, when the token has one. */
  readonly expiresAt: number | undefined;
}

export function toResult(source: AuthResult['source'], claims: AccessTokenClaims): AuthResult {
  const scope = typeof claims.scope === 'string' ? claims.scope : '';
  return {
    source,
    claims,
    scopes: new Set(scope === '' ? [] : scope.split(' ').filter((s) => s !== '')),
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : undefined,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
  };
}
