import type { ClientRecord, ResourceRecord } from '@tessera/store';
import type { FormParams } from '../http/form.js';
import type { IssuedAccessToken } from '../tokens/access-token.js';
import { defineGrant, type GrantDeps, type SenderBinding, type TokenResponse } from './define.js';
import { requireResource, selectResourceId } from './resource.js';
import { grantScope } from './scope.js';

/**
 * `client_credentials` (RFC 6749 §4.4): the client acts on its own behalf, so `sub` is the client id
 * (RFC 9068 §2.2) and no refresh token is issued (RFC 6749 §4.4.3).
 */
export const clientCredentials = defineGrant({
  grantType: 'client_credentials',
  parameters: ['scope', 'resource'],
  repeatable: ['resource'],
  handle({ params, client, binding }, deps) {
    const resource = deps.lookupResource(selectResourceId(params, client));
    if (resource instanceof Promise) return resource.then((loaded) => issue(params, client, binding, loaded, deps));
    return issue(params, client, binding, resource, deps);
  },
});

function issue(
  params: FormParams,
  client: ClientRecord,
  binding: SenderBinding | null,
  found: ResourceRecord | undefined,
  deps: GrantDeps,
): TokenResponse | Promise<TokenResponse> {
  const resource = requireResource(found);
  const scope = grantScope(params.get('scope'), client, resource);
  const allowed = deps.checkAccess({ action: 'token', grantType: 'client_credentials', client, userId: null, audience: [resource.id], scope, acr: null, binding });
  if (allowed instanceof Promise) return allowed.then(() => mint(client, resource, scope, binding, deps));
  return mint(client, resource, scope, binding, deps);
}

function mint(
  client: ClientRecord,
  resource: ResourceRecord,
  scope: readonly string[],
  binding: SenderBinding | null,
  deps: GrantDeps,
): TokenResponse | Promise<TokenResponse> {
  const token = deps.issueAccessToken({ client, subject: client.clientId, resource, scope, jkt: binding?.jkt ?? null, deviceId: binding?.deviceId ?? null });
  return token instanceof Promise ? token.then(toResponse) : toResponse(token);
}

function toResponse(token: IssuedAccessToken): TokenResponse {
  const response: TokenResponse = { access_token: token.value, token_type: token.tokenType, expires_in: token.expiresIn };
  if (token.scope !== '') response.scope = token.scope;
  return response;
}
