import { randomUUID } from 'node:crypto';
import { ConflictError, type ClientRecord, type ResourceRecord } from '@tessera/store';
import { invalidGrant, invalidScope, invalidTarget } from '../errors.js';
import { OIDC_SCOPES } from '../oidc/claims.js';
import type { IssuedAccessToken } from '../tokens/access-token.js';
import type { GrantDeps, SenderBinding, TokenResponse } from './define.js';
import { requireResource } from './resource.js';
import { userServices, type UserGrantServices } from './user-services.js';

/** An authorization a user gave (a consumed code, an approved device code), ready to become tokens. */
export interface UserAuthorization {
  grantType: string;
  client: ClientRecord;
  userId: string;
  grantId: string;
  /** Everything the user granted; the refresh token keeps all of it (RFC 6749 §6). */
  scope: readonly string[];
  /** Granted resource indicators (RFC 8707); empty means the client's default resource. */
  resources: readonly string[];
  /** `resource` of the token request (RFC 8707 §2.2): picks the access token's audience among the granted. */
  requested?: readonly string[];
  sessionId: string | null;
  acr: string | null;
  amr: readonly string[];
  authTime: Date | null;
  nonce: string | null;
  binding: SenderBinding | null;
}

/** Claims kept on a refresh token so later refreshes can repeat them (TokenRecord `claims`). */
interface RefreshClaims {
  acr?: string;
  auth_time?: number;
  amr?: string[];
  /** Absolute end of the family, seconds since the epoch. */
  family_exp: number;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** A client that proves nothing at the token endpoint (RFC 6749 §2.1 public client): auth method `none` only. */
export function isPublicClient(client: ClientRecord): boolean {
  return client.authMethods.length > 0 && client.authMethods.every((method) => method === 'none');
}

/** The user behind a grant must still be active (issue 3: a disabled user gets nothing more). */
export async function requireActiveUser(services: UserGrantServices, userId: string): Promise<void> {
  const user = await services.users.get(userId);
  if (user === undefined || user.status !== 'active') throw invalidGrant('the user of this grant is not active', { detail: `user ${userId} missing or disabled` });
}

/**
 * The access token's audience: the requested `resource` (which must be among the granted ones), else
 * the first granted one, else the client's default. One audience per access token (see resource.ts).
 */
export async function audienceOf(deps: GrantDeps, requested: readonly string[], granted: readonly string[], client: ClientRecord): Promise<ResourceRecord> {
  if (requested.length > 1) throw invalidTarget('request exactly one resource per token');
  const pool = granted.length > 0 ? granted : client.resources.slice(0, 1);
  const id = requested[0] ?? pool[0];
  if (id === undefined) throw invalidTarget('no resource was granted and the client has no default resource');
  if (!pool.includes(id)) throw invalidTarget('the resource was not granted');
  return requireResource(await deps.lookupResource(id));
}

/** The access token carries the granted scopes its audience understands, plus the OpenID ones (for userinfo). */
export function accessScopeFor(scope: readonly string[], resource: ResourceRecord): string[] {
  return scope.filter((s) => resource.scopes.includes(s) || OIDC_SCOPES.includes(s));
}

/**
 * A narrower `scope` on refresh applies to the access token only; asking for anything not granted is
 * `invalid_scope` (RFC 6749 §6: "MUST NOT include any scope not originally granted").
 */
export function narrowScope(requested: string | undefined, granted: readonly string[]): readonly string[] {
  if (requested === undefined) return granted;
  const scope: string[] = [];
  for (const s of requested.split(' ')) {
    if (s === '' || scope.includes(s)) continue;
    if (!granted.includes(s)) throw invalidScope(`scope "${s.slice(0, 64)}" exceeds what was granted`);
    scope.push(s);
  }
  return scope;
}

/**
 * The last step before answering, after every write: the grant must still be live. A family
 * revocation running concurrently (a replayed code, a reused refresh token) revokes the grant FIRST
 * and then the stored tokens and the ledger's JWTs; so either it sees everything this request wrote,
 * or this read sees the revoked grant and the request revokes what it wrote itself and fails.
 */
export async function confirmGrantLive(services: UserGrantServices, grantId: string): Promise<void> {
  const grant = await services.grants.get(grantId);
  if (grant !== undefined && grant.revokedAt === null) return;
  await services.families.revoke(grantId, 'grant_revoked_during_issuance');
  throw invalidGrant('the grant was revoked', { detail: `grant ${grantId} revoked or missing at issuance` });
}

export function tokenResponse(at: IssuedAccessToken, refreshToken: string | null, idToken: string | null): TokenResponse {
  const response: TokenResponse = { access_token: at.value, token_type: at.tokenType, expires_in: at.expiresIn };
  if (at.scope !== '') response.scope = at.scope;
  if (refreshToken !== null) response.refresh_token = refreshToken;
  if (idToken !== null) response.id_token = idToken;
  return response;
}

/**
 * Turn a user's authorization into tokens: check the user, ask the access policy, open the family
 * ledger (see tokens/family.ts), then a refresh token when the client may refresh (opaque, hashed,
 * bound to client, grant, session and device — and to the DPoP key for public clients only: RFC 9449
 * §5 binds refresh tokens of public clients, while a confidential client's are already
 * sender-constrained by its authentication), the access token, and an ID token when `openid` was
 * granted.
 */
export async function issueForAuthorization(auth: UserAuthorization, deps: GrantDeps): Promise<TokenResponse> {
  const services = userServices(deps);
  const { client, binding } = auth;
  await requireActiveUser(services, auth.userId);
  const resource = await audienceOf(deps, auth.requested ?? [], auth.resources, client);
  const scope = accessScopeFor(auth.scope, resource);
  await deps.checkAccess({ action: 'token', grantType: auth.grantType, client, userId: auth.userId, audience: [resource.id], scope, acr: auth.acr, binding });

  const nowMs = services.now();
  const refresh = client.grantTypes.includes('refresh_token') ? services.refreshValues.first() : null;
  const familyEnd = seconds(nowMs) + services.lifetimes.refreshAbsolute;
  const accessJti = randomUUID();
  await openFamily(services, {
    grantId: auth.grantId,
    clientId: client.clientId,
    subject: auth.userId,
    accessJti,
    firstRefreshHash: refresh?.hash ?? null,
    expiresAt: new Date(1000 * (refresh ? familyEnd : seconds(nowMs) + resource.accessTokenTtl)),
  });
  if (refresh !== null) {
    const claims: RefreshClaims = { family_exp: familyEnd };
    if (auth.acr) claims.acr = auth.acr;
    if (auth.authTime) claims.auth_time = seconds(auth.authTime.getTime());
    if (auth.amr.length > 0) claims.amr = [...auth.amr];
    await services.tokens.put({
      v: 1,
      hash: refresh.hash,
      kind: 'refresh_token',
      jti: randomUUID(),
      clientId: client.clientId,
      subject: auth.userId,
      audience: auth.resources.length > 0 ? [...auth.resources] : [resource.id],
      scope: [...auth.scope],
      grantId: auth.grantId,
      jkt: isPublicClient(client) ? (binding?.jkt ?? null) : null,
      deviceId: binding?.deviceId ?? null,
      sessionId: auth.sessionId,
      claims: { ...claims },
      issuedAt: new Date(seconds(nowMs) * 1000),
      expiresAt: new Date(1000 * Math.min(seconds(nowMs) + services.lifetimes.refreshIdle, familyEnd)),
      revokedAt: null,
    });
  }
  const at = await deps.issueAccessToken({
    client,
    subject: auth.userId,
    resource,
    scope,
    grantId: auth.grantId,
    sessionId: auth.sessionId,
    deviceId: binding?.deviceId ?? null,
    jkt: binding?.jkt ?? null,
    acr: auth.acr,
    authTime: auth.authTime,
    jti: accessJti,
  });
  await confirmGrantLive(services, auth.grantId);
  const idToken = auth.scope.includes('openid')
    ? services.issueIdToken({ client, subject: auth.userId, nonce: auth.nonce, authTime: auth.authTime, acr: auth.acr, amr: auth.amr, sessionId: auth.sessionId })
    : null;
  return tokenResponse(at, refresh?.value ?? null, idToken);
}

/**
 * A grant is exchanged once (a code is consumed once, a device code answers `approved` once), so a
 * ledger that already exists means this grant was exchanged before: refuse like a replay.
 */
async function openFamily(services: UserGrantServices, entry: Parameters<UserGrantServices['families']['open']>[0]): Promise<void> {
  try {
    await services.families.open(entry);
  } catch (error) {
    if (error instanceof ConflictError) throw invalidGrant('the grant was already exchanged', { detail: `ledger of grant ${entry.grantId} exists` });
    throw error;
  }
}

/** Read back what {@link issueForAuthorization} kept on a refresh token. */
export function refreshClaimsOf(claims: Record<string, unknown>): { acr: string | null; authTime: Date | null; amr: string[]; familyExp: number } {
  const acr = typeof claims.acr === 'string' ? claims.acr : null;
  const authTime = typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000) : null;
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [];
  const familyExp = typeof claims.family_exp === 'number' ? claims.family_exp : 0;
  return { acr, authTime, amr, familyExp };
}
