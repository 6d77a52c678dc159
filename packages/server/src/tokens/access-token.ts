import { randomUUID } from 'node:crypto';
import type { ClientRecord, ResourceRecord, TokenStore } from '@tessera/store';
import { mintOpaque, type SigningAlg } from '@tessera/token';
import type { KeySource } from './key-source.js';

/** What a grant asks for: who, for which resource (audience), with which scopes. */
export interface AccessTokenRequest {
  client: ClientRecord;
  /** `sub`: the resource owner; the client itself for client_credentials (RFC 9068 §2.2). */
  subject: string;
  resource: ResourceRecord;
  scope: readonly string[];
  grantId?: string | null;
}

export interface IssuedAccessToken {
  value: string;
  /** Seconds (RFC 6749 §5.1 `expires_in`). */
  expiresIn: number;
  /** Space-delimited granted scope, `''` when none. */
  scope: string;
}

export type IssueAccessToken = (request: AccessTokenRequest) => IssuedAccessToken | Promise<IssuedAccessToken>;

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
    // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti required; scope when granted (§2.2.3).
    const payload: Record<string, unknown> = {
      iss: issuer,
      sub: request.subject,
      aud: request.resource.id,
      exp: iat + ttl,
      iat,
      jti: randomUUID(),
      client_id: request.client.clientId,
    };
    if (scope !== '') payload.scope = scope;
    return { value: keys.signer(alg).sign(payload, 'at+jwt'), expiresIn: ttl, scope };
  }

  async function issueOpaque(request: AccessTokenRequest, nowMs: number, scope: string): Promise<IssuedAccessToken> {
    const ttl = request.resource.accessTokenTtl;
    const { value, hash } = mintOpaque('access_token');
    await tokens.put({
      v: 1,
      hash,
      kind: 'access_token',
      jti: randomUUID(),
      clientId: request.client.clientId,
      subject: request.subject,
      audience: [request.resource.id],
      scope: [...request.scope],
      grantId: request.grantId ?? null,
      jkt: null,
      deviceId: null,
      sessionId: null,
      claims: {},
      // Whole seconds, like the JWT claims, so introspection reports the same instants either way.
      issuedAt: new Date(Math.floor(nowMs / 1000) * 1000),
      expiresAt: new Date((Math.floor(nowMs / 1000) + ttl) * 1000),
      revokedAt: null,
    });
    return { value, expiresIn: ttl, scope };
  }

  return function issueAccessToken(request) {
    const scope = request.scope.join(' ');
    const nowMs = now();
    if (request.resource.tokenFormat === 'jwt') return issueJwt(request, Math.floor(nowMs / 1000), scope);
    return issueOpaque(request, nowMs, scope);
  };
}
