import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UserStore } from '@tessera/store';
import { tokenChallenge } from '../dpop/challenge.js';
import type { ResourceDpopCheck, TokenScheme } from '../dpop/index.js';
import { invalidRequest, methodNotAllowed, noAccessToken, OAuthError } from '../errors.js';
import { FormParams } from '../http/form.js';
import { CORS, JSON_NO_STORE_CORS } from '../http/headers.js';
import { userinfoClaims } from '../oidc/claims.js';
import type { ActiveToken, FindActiveToken } from '../tokens/inspect.js';

/** RFC 6750 §2.1 `Bearer` / RFC 9449 §7.1 `DPoP`, then a b64token; schemes are case-insensitive (RFC 9110 §11.1). */
const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;

/** RFC 6750 §3: the challenge, with an error code when the request carried a token. */
function challenge(realm: string, error?: { code: string; description: string; scope?: string }): string {
  return tokenChallenge('Bearer', { realm, error: error?.code, error_description: error?.description, scope: error?.scope });
}

function invalidTokenError(realm: string, description: string): OAuthError {
  return new OAuthError('invalid_token', 401, description, {
    headers: { 'www-authenticate': challenge(realm, { code: 'invalid_token', description }) },
  });
}

/**
 * The access token of a userinfo request, from the Authorization header only: RFC 6750 §2.3 (query)
 * is refused because URIs end up in logs (RFC 9700 §4.3.2), and §2.2 (form body) is not offered.
 * No credentials at all → 401 with a bare challenge (RFC 6750 §3.1: no error code).
 */
function presentedToken(request: FastifyRequest, realm: string): { scheme: TokenScheme; value: string } {
  const query = request.url.indexOf('?');
  if (query !== -1 && new URLSearchParams(request.url.slice(query + 1)).has('access_token')) {
    throw invalidRequest('send the access token in the Authorization header, not the query (RFC 6750 §2.1)', {
      headers: { 'www-authenticate': challenge(realm, { code: 'invalid_request', description: 'token in query' }) },
    });
  }
  if (request.body instanceof FormParams && request.body.get('access_token') !== undefined) {
    throw invalidRequest('send the access token in the Authorization header (RFC 6750 §2.1)', {
      headers: { 'www-authenticate': challenge(realm, { code: 'invalid_request', description: 'token in body' }) },
    });
  }
  const header = request.headers.authorization;
  if (header === undefined) throw noAccessToken(challenge(realm));
  const match = AUTHORIZATION.exec(header);
  if (match === null) {
    throw invalidRequest('the Authorization header must be "Bearer <token>" or "DPoP <token>" (RFC 6750 §2.1, RFC 9449 §7.1)', {
      headers: { 'www-authenticate': challenge(realm, { code: 'invalid_request', description: 'malformed Authorization header' }) },
    });
  }
  return { scheme: match[1]!.toLowerCase() as TokenScheme, value: match[2]! };
}

/**
 * `GET|POST /userinfo` (OpenID Connect Core §5.3): the claims of the token's user for its scopes.
 * Accepts this server's access tokens (JWT or opaque) carrying `openid`; a DPoP-bound token must come
 * with the DPoP scheme and a proof of its key (RFC 9449 §7, checked by `dpop`; without it such tokens
 * are refused). A disabled or deleted user makes the token useless here (`invalid_token`).
 */
export function registerUserinfo(
  app: FastifyInstance,
  deps: { path: string; realm: string; find: FindActiveToken; users: Pick<UserStore, 'get'>; dpop?: ResourceDpopCheck },
): void {
  const { realm, find, users } = deps;

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    const { scheme, value } = presentedToken(request, realm);
    const token: ActiveToken | undefined = await find(value);
    if (token === undefined || token.kind !== 'access_token') throw invalidTokenError(realm, 'the access token is invalid, expired or revoked');
    if (deps.dpop !== undefined) await deps.dpop(request, scheme, value, token.jkt ?? null);
    else if (token.jkt !== undefined || scheme === 'dpop') throw invalidTokenError(realm, 'DPoP-bound access tokens are not accepted here');
    const scope = token.scope === '' ? [] : token.scope.split(' ');
    if (!scope.includes('openid')) {
      const description = 'the access token lacks the openid scope';
      throw new OAuthError('insufficient_scope', 403, description, {
        headers: { 'www-authenticate': challenge(realm, { code: 'insufficient_scope', description, scope: 'openid' }) },
      });
    }
    const user = await users.get(token.subject);
    if (user === undefined || user.status !== 'active') throw invalidTokenError(realm, 'the user of this access token is not active');
    return reply.code(200).headers(JSON_NO_STORE_CORS).send(JSON.stringify(userinfoClaims(user, scope)));
  }

  app.route({ method: ['GET', 'POST'], url: deps.path, handler });
  app.options(deps.path, (_request, reply) => {
    reply
      .code(204)
      .headers({ ...CORS, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, content-type, dpop', 'access-control-max-age': '86400' })
      .send();
  });
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: deps.path,
    onRequest: (_request, _reply, done) => done(methodNotAllowed(undefined, { headers: { allow: 'GET, HEAD, POST, OPTIONS' } })),
    handler: () => undefined,
  });
}
