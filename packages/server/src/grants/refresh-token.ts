import { randomUUID } from 'node:crypto';
import type { ClientRecord, NewTokenRecord, TokenRecord } from '@tessera/store';
import { hashSecret, opaqueKindOf } from '@tessera/token';
import { invalidGrant, invalidRequest } from '../errors.js';
import { defineGrant, type GrantDeps, type SenderBinding, type TokenResponse } from './define.js';
import { userServices, type UserGrantServices } from './user-services.js';
import { accessScopeFor, audienceOf, confirmGrantLive, narrowScope, refreshClaimsOf, requireActiveUser, tokenResponse } from './user-tokens.js';

/**
 * `refresh_token` (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2):
 * - the token must be ours, belong to this client, and — when DPoP-bound — be presented with a proof
 *   of the same key (RFC 9449 §5);
 * - scope may narrow for the new access token, never widen (`invalid_scope`); the new refresh token
 *   keeps the original scope (§6);
 * - the access policy is asked again (device compliance may have changed);
 * - `tokens.rotate()` swaps the token for its successor in one transaction. The successor's value is
 *   derived from the presented one (tokens/refresh-token.ts), so when the same token comes again
 *   within `refreshGrace` seconds of its rotation while its successor is still the live one, the same
 *   successor is answered again with a fresh access token (two tabs, a retried request). Any other
 *   use of a rotated token is reuse: the whole family is revoked and the answer is `invalid_grant`.
 * Lifetimes: each rotation sets `expiresAt = min(now + refreshIdle, family start + refreshAbsolute)`.
 * A disabled user gets `invalid_grant`; a revoked session revokes its tokens (`tokens.revokeBySession`
 * by whoever ends the session), which `rotate()` then reports as revoked.
 */
export const refreshToken = defineGrant({
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope', 'resource'],
  repeatable: ['resource'],
  async handle({ params, client, binding }, deps): Promise<TokenResponse> {
    const services = userServices(deps);
    const value = params.get('refresh_token');
    if (value === undefined) throw invalidRequest('the refresh_token parameter is required');
    if (opaqueKindOf(value) !== 'refresh_token') throw invalidGrant('the refresh token is invalid');
    const hash = hashSecret(value);
    const presented = await services.tokens.get(hash);
    if (presented === undefined || presented.kind !== 'refresh_token') throw invalidGrant('the refresh token is invalid');
    // Binding checks come before anything changes state: a stolen token in the wrong hands rotates nothing.
    if (presented.clientId !== client.clientId) throw invalidGrant('the refresh token is invalid', { detail: 'refresh token of another client' });
    if (presented.jkt !== null && binding?.jkt !== presented.jkt) {
      throw invalidGrant('the refresh token is bound to a DPoP key; present a proof of that key (RFC 9449 §5)');
    }
    if (presented.revokedAt !== null) throw invalidGrant('the refresh token is revoked');
    const successor = services.refreshValues.successor(value);
    // Reuse is decided first: no other refusal (scope, policy) may let a replayed token go unpunished.
    if (presented.rotatedAt !== null) await requireGrace(services, presented, successor.hash, new Date(services.now()));
    await requireActiveUser(services, presented.subject);

    const scope = narrowScope(params.get('scope'), presented.scope);
    const resource = await audienceOf(deps, params.all('resource'), presented.audience, client);
    const accessScope = accessScopeFor(scope, resource);
    const kept = refreshClaimsOf(presented.claims);
    await deps.checkAccess({
      action: 'token',
      grantType: 'refresh_token',
      client,
      userId: presented.subject,
      audience: [resource.id],
      scope: accessScope,
      acr: kept.acr,
      binding: binding ?? (presented.jkt === null ? null : { jkt: presented.jkt, deviceId: presented.deviceId }),
    });

    const at = new Date(services.now());
    const rotation = await services.tokens.rotate(hash, successorRecord(presented, successor.hash, at, services), at);
    switch (rotation.status) {
      case 'rotated':
        break;
      case 'already_rotated':
        await requireGrace(services, rotation.record, successor.hash, at);
        break;
      case 'expired':
        throw invalidGrant('the refresh token has expired');
      default:
        throw invalidGrant('the refresh token is invalid');
    }
    return issue({ presented, client, binding, scope, accessScope, resource, successor, services, deps, kept });
  },
});

function successorRecord(old: TokenRecord, hash: string, at: Date, services: UserGrantServices): NewTokenRecord {
  const familyExp = refreshClaimsOf(old.claims).familyExp;
  const now = Math.floor(at.getTime() / 1000);
  return {
    v: 1,
    hash,
    kind: 'refresh_token',
    jti: randomUUID(),
    clientId: old.clientId,
    subject: old.subject,
    audience: [...old.audience],
    scope: [...old.scope],
    grantId: old.grantId,
    jkt: old.jkt,
    deviceId: old.deviceId,
    sessionId: old.sessionId,
    // `prev` links back, so a family revocation can walk from any member (tokens/family.ts).
    claims: { ...old.claims, prev: old.hash },
    issuedAt: new Date(now * 1000),
    expiresAt: new Date(1000 * Math.min(now + services.lifetimes.refreshIdle, familyExp)),
    revokedAt: null,
  };
}

/**
 * The presented token was rotated before. Inside the grace window, and only while the successor we
 * derive is the one stored and still the live end of the family, answer with it again; otherwise this
 * is reuse (RFC 9700 §4.14.2): revoke the family.
 */
async function requireGrace(services: UserGrantServices, old: TokenRecord, successorHash: string, at: Date): Promise<void> {
  const withinGrace = old.rotatedAt !== null && at.getTime() - old.rotatedAt.getTime() <= services.lifetimes.refreshGrace * 1000;
  if (withinGrace && old.successorHash === successorHash) {
    const live = await services.tokens.get(successorHash);
    if (live !== undefined && live.revokedAt === null && live.rotatedAt === null && live.expiresAt.getTime() > at.getTime()) return;
  }
  if (old.grantId !== null) await services.families.revoke(old.grantId, 'refresh_token_reuse', old.hash);
  throw invalidGrant('the refresh token was already used', { detail: `refresh token reuse: grant ${old.grantId ?? '-'} revoked` });
}

async function issue(input: {
  presented: TokenRecord;
  client: ClientRecord;
  binding: SenderBinding | null;
  scope: readonly string[];
  accessScope: string[];
  resource: Awaited<ReturnType<typeof audienceOf>>;
  successor: { value: string; hash: string };
  services: UserGrantServices;
  deps: GrantDeps;
  kept: ReturnType<typeof refreshClaimsOf>;
}): Promise<TokenResponse> {
  const { presented, client, binding, services, kept } = input;
  // A bound refresh token (public client) keeps its key; otherwise the proof of this request, if any,
  // binds the new access token (RFC 9449 §5).
  const jkt = presented.jkt ?? binding?.jkt ?? null;
  const access = await input.deps.issueAccessToken({
    client,
    subject: presented.subject,
    resource: input.resource,
    scope: input.accessScope,
    grantId: presented.grantId,
    sessionId: presented.sessionId,
    deviceId: presented.deviceId ?? binding?.deviceId ?? null,
    jkt,
    acr: kept.acr,
    authTime: kept.authTime,
    // Derived from the successor, so the grace window's repeated answer shares it and a family
    // revocation finds it (tokens/family.ts).
    jti: services.refreshValues.accessJti(input.successor.hash),
  });
  if (presented.grantId !== null) await confirmGrantLive(services, presented.grantId);
  // OpenID Connect Core §12.2: an ID token may come with a refresh; no nonce (§12.2), same auth facts.
  const idToken = input.scope.includes('openid')
    ? services.issueIdToken({ client, subject: presented.subject, authTime: kept.authTime, acr: kept.acr, amr: kept.amr, sessionId: presented.sessionId })
    : null;
  return tokenResponse(access, input.successor.value, idToken);
}
