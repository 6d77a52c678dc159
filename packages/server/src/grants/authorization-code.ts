import { hashSecret, opaqueKindOf } from '@tessera/token';
import { invalidGrant, invalidRequest } from '../errors.js';
import { defineGrant, type TokenResponse } from './define.js';
import { codeVerifierParam, verifyPkce } from './pkce.js';
import { userServices } from './user-services.js';
import { issueForAuthorization } from './user-tokens.js';

/**
 * `authorization_code` (RFC 6749 §4.1.3, RFC 7636, OAuth 2.1). In order:
 * 1. parameters (`code`, `code_verifier` shaped per RFC 7636 §4.1) before anything is consumed;
 * 2. consume the code atomically; a second use is refused AND revokes everything the first use issued
 *    (RFC 6749 §4.1.2), JWT access tokens included (tokens/family.ts);
 * 3. the code must belong to this client, be unexpired, be redeemed with the identical redirect_uri
 *    (§4.1.3; always required here: the code record cannot tell whether the authorization request
 *    named it or the registered one was taken, and requiring it costs a compliant client nothing),
 *    with the matching PKCE verifier (RFC 7636 §4.6), and — when bound — with a DPoP proof of
 *    the key named at the authorization endpoint (RFC 9449 §10);
 * 4. issue (user active, access policy, tokens): see user-tokens.ts.
 * Every failed check about the code is `invalid_grant`; an unknown code and another client's code get
 * the same description (the difference goes to the operator log only), so codes cannot be probed.
 */
export const authorizationCode = defineGrant({
  grantType: 'authorization_code',
  parameters: ['code', 'redirect_uri', 'code_verifier', 'resource'],
  repeatable: ['resource'],
  async handle({ params, client, binding }, deps): Promise<TokenResponse> {
    const services = userServices(deps);
    const code = params.get('code');
    if (code === undefined) throw invalidRequest('the code parameter is required');
    const verifier = codeVerifierParam(params.get('code_verifier'));
    if (opaqueKindOf(code) !== 'authorization_code') throw invalidGrant('the authorization code is invalid');

    const at = new Date(services.now());
    const consumed = await services.codes.consume(hashSecret(code), at);
    if (consumed.status === 'not_found') throw invalidGrant('the authorization code is invalid');
    const record = consumed.record;
    if (consumed.status === 'replayed') {
      await services.families.revoke(record.grantId, 'authorization_code_replay');
      throw invalidGrant('the authorization code was already used', { detail: `code replay: grant ${record.grantId} revoked` });
    }
    if (record.clientId !== client.clientId) throw invalidGrant('the authorization code is invalid', { detail: 'code of another client' });
    if (record.expiresAt.getTime() <= at.getTime()) throw invalidGrant('the authorization code has expired');
    if (params.get('redirect_uri') !== record.redirectUri) {
      throw invalidGrant('redirect_uri must be identical to the one of the authorization request (RFC 6749 §4.1.3)');
    }
    verifyPkce(verifier, record.codeChallenge, record.codeChallengeMethod);
    if (record.dpopJkt !== null && binding?.jkt !== record.dpopJkt) {
      throw invalidGrant('the code is bound to a DPoP key; send a DPoP proof of that key (RFC 9449 §10)');
    }
    return issueForAuthorization(
      {
        grantType: 'authorization_code',
        client,
        userId: record.userId,
        grantId: record.grantId,
        scope: record.scope,
        resources: record.resource,
        requested: params.all('resource'),
        sessionId: record.sessionId,
        acr: record.acr,
        amr: record.amr,
        authTime: record.authTime,
        nonce: record.nonce,
        binding,
      },
      deps,
    );
  },
});
