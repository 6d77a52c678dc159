import type { ReplayStore } from '@tessera/store';
import { SIGNING_ALGS } from '@tessera/token';
import { unauthorizedClient } from '../errors.js';
import { createClientAuthentication, type AfterAuthentication, type AuthenticateClient, type ClientLookup } from './authenticate.js';
import { clientSecretBasic, clientSecretPost } from './client-secret.js';
import { noneAuthentication } from './none.js';
import { privateKeyJwt, type PrivateKeyJwtOptions } from './private-key-jwt.js';
import type { ClientAuthenticator } from './types.js';

/** The RFC 8414 §2 members describing client authentication, exactly as served. */
export interface ClientAuthMetadata {
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_signing_alg_values_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_signing_alg_values_supported: string[];
}

/** Client authentication for each endpoint, and its description for discovery. */
export interface ClientAuthentications {
  token: AuthenticateClient;
  introspection: AuthenticateClient;
  revocation: AuthenticateClient;
  metadata: ClientAuthMetadata;
}

/**
 * RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients." Admin
 * refuses to register such a client; this refuses the request too, whatever the record says.
 */
const refusePublicClientCredentials: AfterAuthentication = (_client, method, input) => {
  if (method === 'none' && input.params.get('grant_type') === 'client_credentials') {
    throw unauthorizedClient('public clients cannot use client_credentials (RFC 6749 §4.4)');
  }
};

/**
 * The methods each endpoint accepts:
 * - /token: `client_secret_basic`, `client_secret_post`, `private_key_jwt`, `none`;
 * - /revoke: the same — RFC 7009 §2.1 lets public clients revoke their own tokens (ownership is
 *   checked by the endpoint);
 * - /introspect: no `none` — RFC 7662 §4 asks for a rule against token scanning, and a caller who
 *   proves nothing could scan; a public client has no need to introspect (it holds its tokens).
 * `private_key_jwt` assertions are single-use across all three endpoints (one replay namespace).
 */
export function createClientAuthentications(deps: {
  lookup: ClientLookup;
  issuer: string;
  replay: Pick<ReplayStore, 'use'>;
  now: () => number;
  /** `maxLifetime` / `clockTolerance` of {@link privateKeyJwt}. */
  assertions?: Pick<PrivateKeyJwtOptions, 'maxLifetime' | 'clockTolerance'>;
}): ClientAuthentications {
  const jwt = privateKeyJwt({ issuer: deps.issuer, replay: deps.replay, now: deps.now, ...deps.assertions });
  const confidential: readonly ClientAuthenticator[] = [clientSecretBasic, clientSecretPost, jwt];
  const all: readonly ClientAuthenticator[] = [...confidential, noneAuthentication];
  const methods = (list: readonly ClientAuthenticator[]) => list.map((a) => a.method);
  const algs = [...SIGNING_ALGS];
  return {
    token: createClientAuthentication({ lookup: deps.lookup, authenticators: all, after: refusePublicClientCredentials }),
    introspection: createClientAuthentication({ lookup: deps.lookup, authenticators: confidential }),
    revocation: createClientAuthentication({ lookup: deps.lookup, authenticators: all }),
    metadata: {
      token_endpoint_auth_methods_supported: methods(all),
      // RFC 8414 §2: required when private_key_jwt is listed; "none" MUST NOT appear.
      token_endpoint_auth_signing_alg_values_supported: algs,
      introspection_endpoint_auth_methods_supported: methods(confidential),
      introspection_endpoint_auth_signing_alg_values_supported: algs,
      revocation_endpoint_auth_methods_supported: methods(all),
      revocation_endpoint_auth_signing_alg_values_supported: algs,
    },
  };
}
