/**
 * Client authentication (RFC 6749 §2.3): one {@link ClientAuthenticator} per method, composed by
 * {@link createClientAuthentication}; {@link createClientAuthentications} gives each endpoint its set.
 */
export {
  createClientAuthentication,
  type AfterAuthentication,
  type AuthenticateClient,
  type ClientLookup,
} from './authenticate.js';
export { clientSecretBasic, clientSecretPost } from './client-secret.js';
export { parseBasicCredentials } from './basic.js';
export { authenticationFailed, challenge } from './challenge.js';
export { clientJwksProblems, jwkAlgorithm, MAX_CLIENT_KEYS } from './client-jwks.js';
export { noneAuthentication } from './none.js';
export { JWT_BEARER_ASSERTION, privateKeyJwt, type PrivateKeyJwtOptions } from './private-key-jwt.js';
export { createClientAuthentications, type ClientAuthentications, type ClientAuthMetadata } from './endpoints.js';
export type { ClientAuthenticator, ClientAuthInput, PresentedCredentials } from './types.js';

