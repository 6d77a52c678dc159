import type { UserRecord } from '@tessera/store';

/** Scopes with a meaning of their own in OpenID Connect (Core §5.4); they are not resource scopes. */
export const OIDC_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'email']);

/**
 * The claims of each scope this server can actually fill from a user record (Core §5.4). `name` and
 * the other profile claims are absent because users have no such fields; listing them would be a lie
 * in discovery.
 */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  profile: Object.freeze(['preferred_username', 'updated_at']),
  email: Object.freeze(['email', 'email_verified']),
});

/** Every claim this server may put in an ID token or a userinfo response (for discovery). */
export const CLAIMS_SUPPORTED: readonly string[] = Object.freeze([
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'sid',
  ...SCOPE_CLAIMS.profile!,
  ...SCOPE_CLAIMS.email!,
]);

/** The userinfo claims (Core §5.3.2) of `user` for the granted `scope`: `sub` always, the rest by scope. */
export function userinfoClaims(user: UserRecord, scope: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id };
  if (scope.includes('profile')) {
    claims.preferred_username = user.username;
    claims.updated_at = Math.floor(user.updatedAt.getTime() / 1000);
  }
  if (scope.includes('email') && user.email !== null) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  return claims;
}
