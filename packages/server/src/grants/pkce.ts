import { createHash } from 'node:crypto';
import { safeEqual } from '@tessera/token';
import { invalidGrant, invalidRequest } from '../errors.js';

/** RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * The `code_verifier` of a token request, checked for shape before the code is consumed, so a
 * malformed request does not burn a good code. Missing or not matching the RFC 7636 §4.1 ABNF is a
 * malformed request (RFC 6749 §5.2 `invalid_request`); a well-formed one that does not match the
 * challenge is `invalid_grant` (RFC 7636 §4.6), see {@link verifyPkce}.
 */
export function codeVerifierParam(value: string | undefined): string {
  if (value === undefined) throw invalidRequest('code_verifier is required (PKCE, RFC 7636 §4.5)');
  if (!VERIFIER.test(value)) throw invalidRequest('code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)');
  return value;
}

/**
 * RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal the stored challenge, compared in
 * constant time. A code stored without a challenge cannot be redeemed with a verifier (a PKCE
 * downgrade, RFC 9700 §2.1.1): PKCE is required for every client here, so that is refused too.
 */
export function verifyPkce(verifier: string, challenge: string, method: string): void {
  if (challenge === '' || method !== 'S256') throw invalidGrant('the code was not issued with an S256 code_challenge', { detail: 'PKCE downgrade' });
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (!safeEqual(computed, challenge)) throw invalidGrant('code_verifier does not match the code_challenge (RFC 7636 §4.6)');
}
