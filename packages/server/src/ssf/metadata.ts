import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CORS } from '../http/headers.js';
import { registerGetEndpoint } from '../http/routes.js';
import { POLL, PUSH, SSF_PATHS } from './vocabulary.js';

/**
 * Transmitter configuration metadata (SSF 1.0 §7.1), served at `/.well-known/ssf-configuration`
 * (§7.2). SETs are signed with the keys of the server's `jwks_uri`; management is authorized with an
 * OAuth access token (`authorization_schemes` `urn:ietf:rfc:6749`); every stream gets every subject
 * (`default_subjects` `ALL`), so there are no add/remove-subject endpoints.
 */
export function buildSsfMetadata(issuer: string, jwksPath: string) {
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: issuer + jwksPath,
    delivery_methods_supported: [PUSH, POLL],
    configuration_endpoint: issuer + SSF_PATHS.streams,
    status_endpoint: issuer + SSF_PATHS.status,
    verification_endpoint: issuer + SSF_PATHS.verify,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
    default_subjects: 'ALL',
  };
}

export function registerSsfMetadata(app: FastifyInstance, metadata: object): void {
  const body = JSON.stringify(metadata);
  const headers = { ...CORS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=3600' };
  registerGetEndpoint(app, SSF_PATHS.configuration, (_request: FastifyRequest, reply: FastifyReply) => reply.headers(headers).send(body));
}
