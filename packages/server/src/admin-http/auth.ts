import type { FastifyRequest } from 'fastify';
import type { ClientRecord, UserRecord } from '@tessera/store';
import { tokenChallenge } from '../dpop/challenge.js';
import type { ResourceDpopCheck, TokenScheme } from '../dpop/index.js';
import { invalidRequest, noAccessToken, OAuthError } from '../errors.js';
import type { ActiveToken, FindActiveToken } from '../tokens/inspect.js';
import { ADMIN_SCOPES } from './config.js';

/** Who made an admin request: for the audit log line of every change. */
export interface AdminPrincipal {
  clientId: string;
  subject: string;
  jti: string;
}

/** RFC 6750 §2.1 `Bearer` / RFC 9449 §7.1 `DPoP`, then a b64token; schemes are case-insensitive (RFC 9110 §11.1). */
const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;
const REALM = 'tessera-admin';

/** RFC 6750 §3: a bare challenge without credentials, else the error (and the scope that was missing). */
function challenge(error?: { code: string; description: string; scope?: string }): string {
  return tokenChallenge('Bearer', { realm: REALM, error: error?.code, error_description: error?.description, scope: error?.scope });
}

function invalidToken(description: string, detail: string): OAuthError {
  return new OAuthError('invalid_token', 401, description, { detail, headers: { 'www-authenticate': challenge({ code: 'invalid_token', description }) } });
}

/** The token from the Authorization header only: a token in the URI ends up in logs (RFC 9700 §4.3.2). */
function presentedToken(request: FastifyRequest): { scheme: TokenScheme; value: string } {
  const query = request.url.indexOf('?');
  if (query !== -1 && new URLSearchParams(request.url.slice(query + 1)).has('access_token')) {
    throw invalidRequest('send the access token in the Authorization header, not the query (RFC 6750 §2.1)', {
      headers: { 'www-authenticate': challenge({ code: 'invalid_request', description: 'token in query' }) },
    });
  }
  const header = request.headers.authorization;
  if (header === undefined) throw noAccessToken(challenge());
  const match = AUTHORIZATION.exec(header);
  if (match === null) {
    throw invalidRequest('the Authorization header must be "Bearer <token>" or "DPoP <token>" (RFC 6750 §2.1, RFC 9449 §7.1)', {
      headers: { 'www-authenticate': challenge({ code: 'invalid_request', description: 'malformed Authorization header' }) },
    });
  }
  return { scheme: match[1]!.toLowerCase() as TokenScheme, value: match[2]! };
}

export interface AdminAuthDeps {
  /** The server's own token inspector: expired, revoked, cut-off and foreign tokens are not found. */
  find: FindActiveToken;
  /** The admin audience (config `admin.audience`, default `<issuer>/admin`). */
  audience: string;
  /** Sender-constrained tokens (RFC 9449 §7); without it DPoP-bound tokens are refused. */
  dpop?: ResourceDpopCheck | undefined;
  /** The token's client, so that disabling (or deleting) an admin client ends its access at once. */
  lookupClient: (clientId: string) => Promise<ClientRecord | undefined>;
  /** The token's user, when it was issued to one (its subject is not the client). */
  lookupUser: (userId: string) => Promise<Pick<UserRecord, 'id' | 'status' | 'groups'> | undefined>;
  /** Group a user must be in to use the admin API (config `admin.userGroup`). */
  userGroup: string;
}

/**
 * Authenticate an admin request and check its scope: an access token of this server, active now, for
 * the admin audience, sender-bound if it is bound, of an enabled client, issued to the client itself or
 * to an active user in the admin group, carrying `admin:read` (safe methods) or `admin:write`
 * (everything else). Refusals: 401 `invalid_token`, 403 `insufficient_scope` with the missing scope in
 * the challenge (RFC 6750 §3.1).
 */
export function createAdminAuthenticator(deps: AdminAuthDeps): (request: FastifyRequest) => Promise<AdminPrincipal> {
  return async function authenticate(request) {
    const { scheme, value } = presentedToken(request);
    const token: ActiveToken | undefined = await deps.find(value);
    if (token === undefined || token.kind !== 'access_token') throw invalidToken('the access token is invalid, expired or revoked', 'not an active access token');
    if (!token.audience.includes(deps.audience)) throw invalidToken('the access token is not for the admin API', `audience ${token.audience.join(' ')}`);
    if (deps.dpop !== undefined) await deps.dpop(request, scheme, value, token.jkt ?? null);
    else if (token.jkt !== undefined || scheme === 'dpop') throw invalidToken('DPoP-bound access tokens are not accepted here', 'no DPoP check configured');
    const client = await deps.lookupClient(token.clientId);
    if (client === undefined || client.disabled) throw invalidToken('the access token is invalid, expired or revoked', 'client disabled or deleted');
    // client_credentials: the client acts for itself (RFC 9068 §2.2 sub = client id). Otherwise a user
    // signed in, and admin scopes consented to are not enough: the user must be an administrator now.
    if (token.subject !== token.clientId) {
      const user = await deps.lookupUser(token.subject);
      if (user === undefined || user.id !== token.subject || user.status !== 'active') {
        throw invalidToken('the access token is invalid, expired or revoked', 'user missing or disabled');
      }
      if (!user.groups.includes(deps.userGroup)) {
        const description = `the user is not in the ${deps.userGroup} group`;
        throw new OAuthError('insufficient_scope', 403, description, { detail: 'user not an administrator', headers: { 'www-authenticate': challenge({ code: 'insufficient_scope', description }) } });
      }
    }
    const needed = request.method === 'GET' || request.method === 'HEAD' ? ADMIN_SCOPES.read : ADMIN_SCOPES.write;
    if (!token.scope.split(' ').includes(needed)) {
      const description = `this request needs the ${needed} scope`;
      throw new OAuthError('insufficient_scope', 403, description, {
        headers: { 'www-authenticate': challenge({ code: 'insufficient_scope', description, scope: needed }) },
      });
    }
    return { clientId: token.clientId, subject: token.subject, jti: token.jti };
  };
}
