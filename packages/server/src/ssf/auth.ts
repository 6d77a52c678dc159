import type { FastifyRequest } from 'fastify';
import { tokenChallenge } from '../dpop/challenge.js';
import { invalidRequest, noAccessToken, OAuthError } from '../errors.js';
import type { FindActiveToken } from '../tokens/inspect.js';

/** The scope a receiver's access token needs for the SSF management and delivery endpoints. */
export const SSF_SCOPE = 'ssf';

/** The receiver behind a request: the client the access token was issued to. */
export interface Receiver {
  readonly clientId: string;
}

export type AuthenticateReceiver = (request: FastifyRequest) => Promise<Receiver>;

/**
 * SSF 1.0 §8.1 leaves the management API's authorization to OAuth (`authorization_schemes`
 * `urn:ietf:rfc:6749`): a receiver calls with an access token of THIS server for the dedicated SSF
 * audience with scope `ssf` (client_credentials). Errors per RFC 6750 §3: no token → 401 with a bare
 * challenge and `{}`; a malformed Authorization header → 400 `invalid_request`; a token that is not
 * active or is for another audience → 401 `invalid_token`; a token without the scope → 403
 * `insufficient_scope`.
 */
export function createReceiverAuthentication(deps: { find: FindActiveToken; audience: string }): AuthenticateReceiver {
  const { find, audience } = deps;
  const realm = 'ssf';
  return async function authenticateReceiver(request) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim()) : null;
    if (header === undefined) throw noAccessToken(tokenChallenge('Bearer', { realm }), 'an access token for the SSF audience is required');
    if (match === null) {
      throw invalidRequest('the Authorization header must be "Bearer <token>" (RFC 6750 §2.1)', {
        headers: { 'www-authenticate': tokenChallenge('Bearer', { realm, error: 'invalid_request' }) },
      });
    }
    const token = await find(match[1]!);
    if (token === undefined || token.kind !== 'access_token' || !token.audience.includes(audience)) {
      throw new OAuthError('invalid_token', 401, 'the access token is not valid for the SSF audience', {
        headers: { 'www-authenticate': tokenChallenge('Bearer', { realm, error: 'invalid_token' }) },
      });
    }
    if (!token.scope.split(' ').includes(SSF_SCOPE)) {
      throw new OAuthError('insufficient_scope', 403, `the access token lacks scope "${SSF_SCOPE}"`, {
        headers: { 'www-authenticate': tokenChallenge('Bearer', { realm, error: 'insufficient_scope', scope: SSF_SCOPE }) },
      });
    }
    return { clientId: token.clientId };
  };
}
