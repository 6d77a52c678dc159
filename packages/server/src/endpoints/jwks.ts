import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CORS } from '../http/headers.js';
import { registerGetEndpoint } from '../http/routes.js';
import type { KeySource } from '../tokens/key-source.js';
import { PATHS } from './discovery.js';

/**
 * `GET /jwks.json` (RFC 7517 §5): every published key (next, current, retired). `max-age` is the
 * configured JWKS cache lifetime — the key manager publishes a next key at least that long before it
 * signs. The ETag lets verifiers revalidate cheaply; the body is re-serialised only when the key
 * manager hands out a new JWK Set object.
 */
export function registerJwks(app: FastifyInstance, deps: { keys: Pick<KeySource, 'jwks'>; cacheMaxAge: number }): void {
  const cacheControl = `public, max-age=${deps.cacheMaxAge}`;
  let last: object | undefined;
  let body = '';
  let etag = '';
  registerGetEndpoint(app, PATHS.jwks, (request, reply) => {
    const jwks = deps.keys.jwks();
    if (jwks !== last) {
      body = JSON.stringify(jwks);
      etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
      last = jwks;
    }
    reply.headers({ ...CORS, 'cache-control': cacheControl, etag });
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.header('content-type', 'application/json; charset=utf-8').send(body);
  });
}
