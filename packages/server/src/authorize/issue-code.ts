import { randomUUID } from 'node:crypto';
import { mintOpaque } from '@tessera/token';
import type { ActiveSession } from './session.js';
import { CODE_LIFETIME_SECONDS, type InteractionDeps } from './deps.js';
import type { AuthorizationRequest } from './request.js';

/**
 * The end of a successful authorization: a grant (the family the tokens will join) and a one-time
 * code bound to client, redirect URI, PKCE challenge and DPoP key, carrying what the ID token will
 * say about the sign-in; the client is recorded as signed in within the session. Only the code's
 * SHA-256 is stored; the value goes to the client once.
 */
export async function issueAuthorizationCode(deps: InteractionDeps, request: AuthorizationRequest, session: ActiveSession): Promise<string> {
  const now = new Date(deps.now());
  const grantId = randomUUID();
  await deps.storage.grants.create({
    v: 1,
    id: grantId,
    userId: session.user.id,
    clientId: request.clientId,
    scope: [...request.scope],
    resources: [...request.resources],
    createdAt: now,
    updatedAt: now,
    revokedAt: null,
  });
  // The client is signed in within this session from now on: its logout reaches the client (OIDC
  // Back-Channel Logout §2.3). Recorded before the code exists, so no code outlives an unrecorded sign-in.
  await deps.storage.sessions.addClient(session.record.sid, request.clientId, now);
  const code = mintOpaque('authorization_code');
  await deps.storage.authorizationCodes.create({
    v: 1,
    hash: code.hash,
    clientId: request.clientId,
    userId: session.user.id,
    sessionId: session.record.sid,
    redirectUri: request.redirectUri,
    scope: [...request.scope],
    resource: [...request.resources],
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: 'S256',
    nonce: request.nonce ?? null,
    authTime: session.record.authTime,
    acr: session.record.acr,
    amr: [...session.record.amr],
    claims: {},
    dpopJkt: request.dpopJkt ?? null,
    grantId,
    issuedAt: now,
    expiresAt: new Date(now.getTime() + CODE_LIFETIME_SECONDS * 1000),
    consumedAt: null,
  });
  return code.value;
}
