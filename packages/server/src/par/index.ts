import type { FastifyInstance } from 'fastify';
import type { PushedRequestStore } from '@tessera/store';
import type { AuthenticateClient } from '../client-auth/index.js';
import type { TokenContext } from '../endpoints/token/index.js';
import type { PushedRequestResolver } from '../authorize/validate.js';
import type { ParConfig } from './config.js';
import { registerParEndpoint } from './endpoint.js';
import { createPushedRequestResolver } from './resolver.js';

export { parSchema, type ParConfig } from './config.js';
export { REQUEST_URI_PREFIX } from './request-uri.js';
export { createPushedRequestResolver } from './resolver.js';
export { registerParEndpoint, type ParEndpointDeps } from './endpoint.js';

/** What {@link installPar} gives the rest of the server. */
export interface Par {
  /** For /authorize: resolves and consumes `request_uri` (RFC 9126 §4). */
  readonly resolver: PushedRequestResolver;
  /** Authorization server metadata (RFC 9126 §5). */
  readonly metadata: {
    readonly pushed_authorization_request_endpoint: string;
    readonly require_pushed_authorization_requests: boolean;
  };
}

/**
 * Pushed authorization requests (RFC 9126): register the PAR endpoint at `path` and return the
 * resolver /authorize uses and the metadata discovery serves.
 */
export function installPar(deps: {
  app: FastifyInstance;
  issuer: string;
  path: string;
  config: ParConfig;
  authenticate: AuthenticateClient;
  store: Pick<PushedRequestStore, 'create' | 'get' | 'consume'>;
  /** Epoch ms. */
  now: () => number;
  /** The DPoP proof check for this endpoint's URL (RFC 9449 §10.1). */
  dpop?: (ctx: TokenContext) => void | Promise<void>;
}): Par {
  const { app, path, authenticate, store, now, dpop } = deps;
  registerParEndpoint(app, { path, authenticate, store, ttl: deps.config.requestUriTtl, now, ...(dpop !== undefined && { dpop }) });
  return {
    resolver: createPushedRequestResolver({ store: deps.store, now: deps.now, required: deps.config.require }),
    metadata: {
      pushed_authorization_request_endpoint: deps.issuer + deps.path,
      require_pushed_authorization_requests: deps.config.require,
    },
  };
}
