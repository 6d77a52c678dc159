import type { ClientAuthenticator } from './types.js';

/**
 * `none`: a public client (RFC 6749 §2.1) identifies itself with `client_id` in the body and proves
 * nothing. It applies only when the request carries no other credentials — an Authorization header,
 * `client_secret` or a client assertion means the client meant to authenticate, and must then succeed
 * at that. The client must be registered for `none` (checked by the caller like every method), and
 * what such a client may do is limited elsewhere: never `client_credentials` (RFC 6749 §4.4), never
 * introspection (see `createClientAuthentications`).
 */
export const noneAuthentication: ClientAuthenticator = {
  method: 'none',
  read({ authorization, params }) {
    if (authorization !== undefined || params.has('client_secret') || params.has('client_assertion') || params.has('client_assertion_type')) {
      return undefined;
    }
    const clientId = params.get('client_id');
    if (clientId === undefined) return undefined;
    return { method: 'none', clientId, proof: '', viaHeader: false };
  },
  verify: () => true,
};
