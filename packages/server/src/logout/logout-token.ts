import { randomBytes } from 'node:crypto';
import type { JwtSigner } from '@tessera/token';

/** The event member that makes a JWT a logout token (OIDC Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Explicit type of logout tokens (§2.4, RFC 8725 §3.11), so no other JWT kind can be passed off as one. */
export const LOGOUT_TOKEN_TYP = 'logout+jwt';

/**
 * Lifetime of a logout token. §2.4 asks for a short one; two minutes (the figure OWASP ASVS 10.5.5
 * cites) is enough for a POST with retries, since every attempt gets a fresh token.
 */
export const LOGOUT_TOKEN_TTL_SECONDS = 120;

export interface LogoutTokenInput {
  issuer: string;
  clientId: string;
  /** The user id, as `sub` of the client's ID tokens. */
  subject: string;
  /** Public session id, as `sid` of the client's ID tokens; omitted means every session of `sub`. */
  sid?: string;
  /** Epoch ms. */
  now: number;
}

/**
 * Sign a logout token (§2.4): `iss`, `aud` (the client only), `iat`, `exp`, a fresh `jti`, `sub`,
 * `sid` when given, `events` with the back-channel logout member, and deliberately no `nonce` — its
 * absence is what keeps a logout token from being replayed as an ID token (§2.4, §4.1).
 */
export function signLogoutToken(signer: JwtSigner, input: LogoutTokenInput): string {
  const iat = Math.floor(input.now / 1000);
  const payload: Record<string, unknown> = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.clientId,
    iat,
    exp: iat + LOGOUT_TOKEN_TTL_SECONDS,
    jti: randomBytes(16).toString('base64url'),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  };
  if (input.sid !== undefined) payload.sid = input.sid;
  return signer.sign(payload, LOGOUT_TOKEN_TYP);
}
