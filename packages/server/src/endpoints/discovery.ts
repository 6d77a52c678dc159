import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientAuthMetadata } from '../client-auth/index.js';
import { CORS } from '../http/headers.js';
import { registerGetEndpoint } from '../http/routes.js';

/** Endpoint paths, relative to the issuer. */
export const PATHS = Object.freeze({
  token: '/token',
  introspection: '/introspect',
  revocation: '/revoke',
  jwks: '/jwks.json',
  openidConfiguration: '/.well-known/openid-configuration',
  authorizationServer: '/.well-known/oauth-authorization-server',
  healthz: '/healthz',
  readyz: '/readyz',
});

/**
 * Authorization server metadata (RFC 8414 §2), listing only what is implemented. There is no
 * authorization endpoint yet (issue 3), so `response_types_supported` — required by RFC 8414 and
 * OpenID Discovery — is truthfully empty, and PKCE methods are not advertised.
 */
export function buildMetadata(deps: { issuer: string; grantTypes: readonly string[]; clientAuth: ClientAuthMetadata }) {
  const { issuer } = deps;
  return {
    issuer,
    token_endpoint: issuer + PATHS.token,
    jwks_uri: issuer + PATHS.jwks,
    introspection_endpoint: issuer + PATHS.introspection,
    revocation_endpoint: issuer + PATHS.revocation,
    grant_types_supported: [...deps.grantTypes],
    response_types_supported: [] as string[],
    // Per endpoint, as client-auth/endpoints.ts accepts them (public clients may revoke, not introspect).
    ...deps.clientAuth,
  };
}

/**
 * `GET /.well-known/oauth-authorization-server` (RFC 8414 §3) and `/.well-known/openid-configuration`
 * (OpenID Discovery §4): the same document, serialised once. Cacheable for an hour and open to CORS.
 */
export function registerDiscovery(app: FastifyInstance, metadata: object): void {
  const body = JSON.stringify(metadata);
  const headers = { ...CORS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=3600' };
  const serve = (_request: FastifyRequest, reply: FastifyReply) => reply.headers(headers).send(body);
  registerGetEndpoint(app, PATHS.authorizationServer, serve);
  registerGetEndpoint(app, PATHS.openidConfiguration, serve);
}
