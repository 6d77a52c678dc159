import { randomUUID } from 'node:crypto';
import type { ClientRecord, ResourceRecord, TokenStore } from '@tessera/store';
import { mintOpaque, type SigningAlg } from '@tessera/token';
import type { KeySource } from './key-source.js';

/** What a grant asks for: who, for which resource (audience), with which scopes, bound to what. */
export interface AccessTokenRequest {
  client: ClientRecord;
  /** `sub`: the resource owner; the client itself for client_credentials (RFC 9068 §2.2). */
  subject: string;
  resource: ResourceRecord;
  scope: readonly string[];
  /** The grant (authorization) the token belongs to; revoking the grant revokes the token. */
  grantId?: string | null;
  /** Public id of the SSO session the grant stems from: the `sid` claim (OIDC, logout, CAE). */
  sessionId?: string | null;
  /** Registered device the token is bound to: the `device_id` claim the guard and CAE read. */
  deviceId?: string | null;
  /** RFC 9449 key thumbprint: `cnf.jkt` (RFC 9449 §6.1). */
  jkt?: string | null;
  /** `acr` of the sign-in (RFC 9068 §2.2.1). */
  acr?: string | null;
  /** When the user signed in (RFC 9068 §2.2.1 `auth_time`). */
  authTime?: Date | null;
  /** Use this `jti` instead of a random one (refresh rotation derives it to be able to revoke it later). */
  jti?: string;
}

export interface IssuedAccessToken {
  value: string;
  /** Seconds (RFC 6749 §5.1 `expires_in`). */
  expiresIn: number;
  /** Space-delimited granted scope, `''` when none. */
  scope: string;
  /** `DPoP` when sender-constrained (RFC 9449 §5), else `Bearer`. */
  tokenType: 'Bearer' | 'DPoP';
  format: 'jwt' | 'opaque';
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export type IssueAccessToken = (request: AccessTokenRequest) => IssuedAccessToken | Promise<IssuedAccessToken>;

/**
 * `auth_time` and `acr` of the sign-in behind a user token (RFC 9068 §2.2.1): claims of a JWT, and the
 * `claims` an opaque token's introspection reports. Written into `target`: nothing allocated when absent.
 */
function addAuthenticationClaims(target: Record<string, unknown>, request: AccessTokenRequest): void {
  if (request.authTime) target.auth_time = Math.floor(request.authTime.getTime() / 1000);
  if (request.acr) target.acr = request.acr;
}

/**
 * Issue an access token in the format the resource asked for:
 * - `jwt`: an RFC 9068 `at+jwt` signed with the current key; nothing is written anywhere (the token is
 *   self-contained; revocation goes to the revocation list by `jti`);
 * - `opaque`: a prefixed 256-bit reference token whose SHA-256 is stored, durable before the response.
 */
export function createAccessTokenIssuer(deps: {
  issuer: string;
  alg: SigningAlg;
  keys: Pick<KeySource, 'signer'>;
  tokens: Pick<TokenStore, 'put'>;
  now: () => number;
}): IssueAccessToken {
  const { issuer, alg, keys, tokens, now } = deps;

  function issueJwt(request: AccessTokenRequest, iat: number, scope: string): IssuedAccessToken {
    const ttl = request.resource.accessTokenTtl;
    const jti = request.jti ?? randomUUID();
    // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti required; scope when granted (§2.2.3).
    const payload: Record<string, unknown> = {
      iss: issuer,
      sub: request.subject,
      aud: request.resource.id,
      exp: iat + ttl,
      iat,
      jti,
      client_id: request.client.clientId,
    };
    if (scope !== '') payload.scope = scope;
    addAuthenticationClaims(payload, request);
    // Claim names are fixed: the guard reads them (RFC 9449 §6.1 for cnf).
    if (request.sessionId) payload.sid = request.sessionId;
    if (request.deviceId) payload.device_id = request.deviceId;
    if (request.jkt) payload.cnf = { jkt: request.jkt };
    return {
      value: keys.signer(alg).sign(payload, 'at+jwt'),
      expiresIn: ttl,
      scope,
      tokenType: request.jkt ? 'DPoP' : 'Bearer',
      format: 'jwt',
      jti,
      exp: iat + ttl,
    };
  }

  async function issueOpaque(request: AccessTokenRequest, nowMs: number, scope: string): Promise<IssuedAccessToken> {
    const ttl = request.resource.accessTokenTtl;
    const { value, hash } = mintOpaque('access_token');
    const iat = Math.floor(nowMs / 1000);
    const jti = request.jti ?? randomUUID();
    const claims: Record<string, unknown> = {};
    addAuthenticationClaims(claims, request);
    await tokens.put({
      v: 1,
      hash,
      kind: 'access_token',
      jti,
      clientId: request.client.clientId,
      subject: request.subject,
      audience: [request.resource.id],
      scope: [...request.scope],
      grantId: request.grantId ?? null,
      jkt: request.jkt ?? null,
      deviceId: request.deviceId ?? null,
      sessionId: request.sessionId ?? null,
      claims,
      // Whole seconds, like the JWT claims, so introspection reports the same instants either way.
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date((iat + ttl) * 1000),
      revokedAt: null,
    });
    return { value, expiresIn: ttl, scope, tokenType: request.jkt ? 'DPoP' : 'Bearer', format: 'opaque', jti, exp: iat + ttl };
  }

  return function issueAccessToken(request) {
    const scope = request.scope.join(' ');
    const nowMs = now();
    if (request.resource.tokenFormat === 'jwt') return issueJwt(request, Math.floor(nowMs / 1000), scope);
    return issueOpaque(request, nowMs, scope);
  };
}
