import type { ClientAuthMethod, ClientRecord } from '@tessera/store';
import { hashSecret } from '@tessera/token';
import { invalidRequest } from '../errors.js';
import { authenticationFailed as rejected } from './challenge.js';
import type { ClientAuthenticator, ClientAuthInput, PresentedCredentials } from './types.js';

/** Looks a client up by id; synchronous on a cache hit. */
export type ClientLookup = (clientId: string) => ClientRecord | undefined | Promise<ClientRecord | undefined>;

/** Authenticates the client of a request; synchronous when the client is cached and the proof is cheap. */
export type AuthenticateClient = (input: ClientAuthInput) => ClientRecord | Promise<ClientRecord>;

/**
 * A rule applied once the client is authenticated, knowing the method it used; throws to refuse
 * (e.g. public clients at an endpoint that needs a confidential one).
 */
export type AfterAuthentication = (client: ClientRecord, method: ClientAuthMethod, input: ClientAuthInput) => void;

/**
 * Build the client authentication step shared by /token, /introspect and /revoke:
 * 1. collect the credentials every registered method finds in the request;
 * 2. exactly one method may be used (RFC 6749 §2.3: "MUST NOT use more than one");
 * 3. look the client up (cached);
 * 4. the client must exist, be enabled and be registered for that method;
 * 5. the method verifies the proof;
 * 6. the endpoint's `after` rule, if any, accepts the client and method.
 * Failures in steps 3–5 all answer the same 401 `invalid_client`, so a caller learns nothing about
 * which client ids exist; the reason goes to the operator log as `detail`.
 */
export function createClientAuthentication(deps: {
  lookup: ClientLookup;
  authenticators: readonly ClientAuthenticator[];
  after?: AfterAuthentication;
}): AuthenticateClient {
  const { lookup, authenticators, after } = deps;
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

  function accept(client: ClientRecord, presented: PresentedCredentials, input: ClientAuthInput): ClientRecord {
    after?.(client, presented.method, input);
    return client;
  }

  function finish(client: ClientRecord | undefined, presented: PresentedCredentials, input: ClientAuthInput): ClientRecord | Promise<ClientRecord> {
    if (client === undefined) {
      // Spend what a secret check spends, so response time does not reveal unknown ids to secret
      // guessers. An assertion for an unknown id skips its signature check (~0.1 ms): client ids are
      // not secrets (every token carries its client_id), so that difference is accepted.
      hashSecret(presented.proof);
      throw rejected('unknown client');
    }
    if (client.disabled) throw rejected('client is disabled');
    const authenticator = byMethod.get(presented.method);
    if (authenticator === undefined || !client.authMethods.includes(presented.method)) {
      throw rejected(`client may not use ${presented.method}`);
    }
    const ok = authenticator.verify(client, presented);
    if (ok === true) return accept(client, presented, input);
    if (ok === false) throw rejected('wrong credentials');
    return ok.then((valid) => {
      if (!valid) throw rejected('wrong credentials');
      return accept(client, presented, input);
    });
  }

  return function authenticateClient(input) {
    const presented = present(input);
    const client = lookup(presented.clientId);
    if (client instanceof Promise) return client.then((loaded) => finish(loaded, presented, input));
    return finish(client, presented, input);
  };
}
