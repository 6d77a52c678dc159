import type { ClientRecord } from '@tessera/store';
import { hashSecret } from '@tessera/token';
import { invalidClient, invalidRequest } from '../errors.js';
import { challenge } from './challenge.js';
import type { ClientAuthenticator, ClientAuthInput, PresentedCredentials } from './types.js';

export { clientSecretBasic, clientSecretPost } from './client-secret.js';
export { parseBasicCredentials } from './basic.js';
export { challenge } from './challenge.js';
export type { ClientAuthenticator, ClientAuthInput, PresentedCredentials } from './types.js';

/** Looks a client up by id; synchronous on a cache hit. */
export type ClientLookup = (clientId: string) => ClientRecord | undefined | Promise<ClientRecord | undefined>;

/** Authenticates the client of a request; synchronous when the client is cached and the proof is cheap. */
export type AuthenticateClient = (input: ClientAuthInput) => ClientRecord | Promise<ClientRecord>;

const rejected = (detail: string) => invalidClient('client authentication failed', { detail, headers: challenge });

/**
 * Build the client authentication step shared by /token, /introspect and /revoke:
 * 1. collect the credentials every registered method finds in the request;
 * 2. exactly one method may be used (RFC 6749 §2.3: "MUST NOT use more than one");
 * 3. look the client up (cached);
 * 4. the client must exist, be enabled and be registered for that method;
 * 5. the method verifies the proof.
 * Failures after step 2 all answer the same 401 `invalid_client`, so a caller learns nothing about
 * which client ids exist; the reason goes to the operator log as `detail`.
 */
export function createClientAuthentication(deps: {
  lookup: ClientLookup;
  authenticators: readonly ClientAuthenticator[];
}): AuthenticateClient {
  const { lookup, authenticators } = deps;
  const byMethod = new Map(authenticators.map((a) => [a.method, a]));

  function present(input: ClientAuthInput): PresentedCredentials {
    let found: PresentedCredentials | undefined;
    for (const authenticator of authenticators) {
      const presented = authenticator.read(input);
      if (presented === undefined) continue;
      if (found !== undefined) throw invalidRequest('use exactly one client authentication method (RFC 6749 §2.3)');
      found = presented;
    }
    if (found === undefined) {
      throw rejected(input.authorization === undefined ? 'no client credentials' : 'unsupported authorization scheme');
    }
    const bodyClientId = input.params.get('client_id');
    if (found.viaHeader && bodyClientId !== undefined && bodyClientId !== found.clientId) {
      throw invalidRequest('client_id in the body does not match the authenticated client');
    }
    return found;
  }

  function finish(client: ClientRecord | undefined, presented: PresentedCredentials): ClientRecord | Promise<ClientRecord> {
    if (client === undefined) {
      // Spend what a real check spends, so response time does not reveal unknown ids.
      hashSecret(presented.proof);
      throw rejected('unknown client');
    }
    if (client.disabled) throw rejected('client is disabled');
    const authenticator = byMethod.get(presented.method);
    if (authenticator === undefined || !client.authMethods.includes(presented.method)) {
      throw rejected(`client may not use ${presented.method}`);
    }
    const ok = authenticator.verify(client, presented);
    if (ok === true) return client;
    if (ok === false) throw rejected('wrong credentials');
    return ok.then((valid) => {
      if (!valid) throw rejected('wrong credentials');
      return client;
    });
  }

  return function authenticateClient(input) {
    const presented = present(input);
    const client = lookup(presented.clientId);
    if (client instanceof Promise) return client.then((loaded) => finish(loaded, presented));
    return finish(client, presented);
  };
}
