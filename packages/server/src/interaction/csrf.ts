import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for interaction forms: an HMAC-based synchronizer token (OWASP CSRF Prevention Cheat
 * Sheet, "Signed Double-Submit Cookie" / HMAC CSRF token). The token is `<nonce>.<mac>` with
 * `mac = HMAC-SHA256(key, "tessera/csrf/v1" ‖ bindingId ‖ nonce)`, where `bindingId` is the
 * interaction id (or session id) held in an HttpOnly cookie. A token is therefore useless in any other
 * interaction, nothing is stored server-side, and the check is constant-time.
 */
export interface CsrfProtection {
  /** A fresh token for a form in the interaction `bindingId`. */
  issue(bindingId: string): string;
  /** Constant-time check; false for anything malformed, never throws. */
  verify(bindingId: string, token: unknown): boolean;
}

const NONCE_BYTES = 16;
const PART = /^[A-Za-z0-9_-]+$/;

export function createCsrfProtection(key: Buffer): CsrfProtection {
  if (!Buffer.isBuffer(key) || key.length < 32) throw new RangeError('CSRF key must be at least 32 bytes');
  const mac = (bindingId: string, nonce: string) =>
    createHmac('sha256', key).update(`tessera/csrf/v1\n${bindingId}\n${nonce}`, 'utf8').digest();
  return {
    issue(bindingId) {
      if (typeof bindingId !== 'string' || bindingId.length === 0) throw new RangeError('CSRF binding id is required');
      const nonce = randomBytes(NONCE_BYTES).toString('base64url');
      return `${nonce}.${mac(bindingId, nonce).toString('base64url')}`;
    },
    verify(bindingId, token) {
      if (typeof bindingId !== 'string' || bindingId.length === 0 || typeof token !== 'string' || token.length > 200) return false;
      const [nonce, given, extra] = token.split('.');
      if (nonce === undefined || given === undefined || extra !== undefined || !PART.test(nonce) || !PART.test(given)) return false;
      const expected = mac(bindingId, nonce);
      const actual = Buffer.from(given, 'base64url');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

/**
 * Defence in depth next to the token: refuse a state-changing request that a browser says is
 * cross-site. `Sec-Fetch-Site` (Fetch Metadata) and `Origin` are set by browsers and cannot be forged
 * by a web attacker; absent headers (old browsers, non-browser clients) pass, the token still applies.
 *
 * When `Sec-Fetch-Site` is present it decides alone (under `Referrer-Policy: no-referrer` a browser
 * sends `Origin: null` even on a same-origin post, so Origin is only the fallback). Without Fetch
 * Metadata, an `Origin` of another site — or `null`, which sandboxed attacker frames send — is refused.
 */
export function isCrossSiteRequest(headers: { origin?: string | undefined; 'sec-fetch-site'?: string | undefined }, issuerOrigin: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  return origin !== undefined && origin !== issuerOrigin;
}
