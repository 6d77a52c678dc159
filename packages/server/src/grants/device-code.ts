import { hashSecret, opaqueKindOf } from '@tessera/token';
import { authorizationPending, deviceAccessDenied, expiredToken, invalidGrant, invalidRequest, slowDown } from '../errors.js';
import { defineGrant, type TokenResponse } from './define.js';
import { userServices } from './user-services.js';
import { issueForAuthorization } from './user-tokens.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4-3.5): one atomic poll of the store
 * decides the answer — `authorization_pending`, `slow_down` (polled faster than the interval; the
 * interval grew by 5 s), `expired_token`, `access_denied`, or tokens exactly once; a code already
 * exchanged is `invalid_grant`. The device code must belong to the polling client. The tokens carry
 * the approving session (`sid`, `auth_time`, `acr`, `amr`) as code-flow tokens do.
 */
export const deviceCode = defineGrant({
  grantType: DEVICE_CODE_GRANT,
  parameters: ['device_code'],
  async handle({ params, client, binding }, deps): Promise<TokenResponse> {
    const services = userServices(deps);
    const code = params.get('device_code');
    if (code === undefined) throw invalidRequest('the device_code parameter is required');
    if (opaqueKindOf(code) !== 'device_code') throw invalidGrant('the device_code is invalid');
    const poll = await services.deviceCodes.poll(hashSecret(code), new Date(services.now()));
    if (poll.status === 'not_found') throw invalidGrant('the device_code is invalid');
    const record = poll.record;
    // Checked after the poll (the store has no read without one); another client's poll of a
    // pending code only moves lastPolledAt, and it never gets tokens.
    if (record.clientId !== client.clientId) throw invalidGrant('the device_code is invalid', { detail: 'device code of another client' });
    switch (poll.status) {
      case 'expired':
        throw expiredToken();
      case 'pending':
        throw poll.slowDown ? slowDown() : authorizationPending();
      case 'denied':
        throw deviceAccessDenied();
      case 'consumed':
        throw invalidGrant('the device_code was already used');
      case 'approved':
        break;
    }
    if (record.userId === null || record.grantId === null) {
      throw invalidGrant('the device authorization is incomplete', { detail: 'approved device code without userId/grantId' });
    }
    // The ID token speaks of the sign-in that approved the device, like the code flow's does of the one
    // that issued the code (OIDC Core §2 auth_time/acr/amr; Back-Channel Logout §2.1 sid, so that
    // session's logout reaches this client). A code approved before the store kept it has none.
    const { signIn } = record;
    return issueForAuthorization(
      {
        grantType: DEVICE_CODE_GRANT,
        client,
        userId: record.userId,
        grantId: record.grantId,
        scope: record.scope,
        resources: record.resource,
        sessionId: signIn?.sessionId ?? null,
        acr: signIn?.acr ?? null,
        amr: signIn?.amr ?? [],
        authTime: signIn?.authTime ?? null,
        // The device flow has no nonce: there is no authorization request to carry one (RFC 8628 §3.1).
        nonce: null,
        binding,
      },
      deps,
    );
  },
});
