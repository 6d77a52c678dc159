import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientAuthMetadata } from '../client-auth/index.js';
import { DEVICE_CODE_GRANT } from '../grants/device-code.js';
import { CORS } from '../http/headers.js';
import { CLAIMS_SUPPORTED, OIDC_SCOPES } from '../oidc/claims.js';
import { registerGetEndpoint } from '../http/routes.js';

/** Endpoint paths, relative to the issuer. */
export const PATHS = Object.freeze({
  token: '/token',
  introspection: '/introspect',
  revocation: '/revoke',
  userinfo: '/userinfo',
  deviceAuthorization: '/device_authorization',
  /** Pushed authorization requests (RFC 9126 §2). */
  par: '/par',
  /** The user-code page (RFC 8628 §3.3 verification_uri), served by the interaction pages. */
  device: '/device',
  jwks: '/jwks.json',
  openidConfiguration: '/.well-known/openid-configuration',
  authorizationServer: '/.well-known/oauth-authorization-server',
  healthz: '/healthz',
  readyz: '/readyz',
});

/**
 * Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OpenID Connect Discovery
 * §3), generated from what is actually registered: grant types from the grant list, the device
 * endpoint only when the device grant is offered, ID-token algorithms from the keys kept for them.
 * `response_types_supported` (required by both) is empty here; the authorization endpoint's own
 * metadata (authorize/, merged over this in tessera.ts) fills it together with the PKCE methods.
 */
export function buildMetadata(deps: {
  issuer: string;
  grantTypes: readonly string[];
  clientAuth: ClientAuthMetadata;
  /** Algorithms ID tokens can be signed with; omit on a server without OpenID Connect. */
  idTokenAlgs?: readonly string[];
}) {
  const { issuer } = deps;
  const oidc = deps.idTokenAlgs !== undefined && deps.idTokenAlgs.length > 0;
  return {
    issuer,
    token_endpoint: issuer + PATHS.token,
    jwks_uri: issuer + PATHS.jwks,
    introspection_endpoint: issuer + PATHS.introspection,
    revocation_endpoint: issuer + PATHS.revocation,
    ...(oidc ? { userinfo_endpoint: issuer + PATHS.userinfo } : {}),
    ...(deps.grantTypes.includes(DEVICE_CODE_GRANT) ? { device_authorization_endpoint: issuer + PATHS.deviceAuthorization } : {}),
    grant_types_supported: [...deps.grantTypes],
    response_types_supported: [] as string[],
    ...(oidc
      ? {
          scopes_supported: [...OIDC_SCOPES],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: [...deps.idTokenAlgs!],
          claims_supported: [...CLAIMS_SUPPORTED],
          claims_parameter_supported: false,
          request_parameter_supported: false,
          // Only the PAR endpoint's own `request_uri`s are read (RFC 9126 §4), never a client-hosted request object.
          request_uri_parameter_supported: false,
        }
      : {}),
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
