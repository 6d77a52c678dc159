import { GuardError } from './errors.js';
import type { AccessTokenClaims } from './result.js';

/**
 * Checks on an active RFC 7662 response before it is trusted (every member is OPTIONAL in §2.2, so
 * each is checked when present, `aud` always): `iss` exact; `aud` contains this resource server
 * (RFC 9700 §2.3, C-16: a token for another API is refused even when active); `exp`/`nbf` with skew
 * (a cached answer may be older than the token); `token_type` Bearer or DPoP (RFC 9449 §6.2). The
 * binding (`cnf.jkt`) is the guard's to match against the request's proof.
 */
export function checkIntrospected(claims: AccessTokenClaims, issuer: string, audience: string, nowSeconds: number, tolerance: number): void {
  if (claims.iss !== undefined && claims.iss !== issuer) throw new GuardError('invalid_token', 'introspection: wrong_issuer');
  const aud = claims.aud;
  const audOk = typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience);
  if (!audOk) throw new GuardError('invalid_token', 'introspection: wrong_audience');
  if (claims.exp !== undefined && !(typeof claims.exp === 'number' && nowSeconds < claims.exp + tolerance)) {
    throw new GuardError('invalid_token', 'introspection: expired');
  }
  if (claims.nbf !== undefined && !(typeof claims.nbf === 'number' && nowSeconds + tolerance >= claims.nbf)) {
    throw new GuardError('invalid_token', 'introspection: not_yet_valid');
  }
  const type = claims.token_type;
  if (type !== undefined && (typeof type !== 'string' || !['bearer', 'dpop', 'access_token'].includes(type.toLowerCase()))) {
    throw new GuardError('invalid_token', `introspection: token_type ${String(type).slice(0, 16)}`);
  }
}
