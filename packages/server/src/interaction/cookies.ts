/**
 * Cookies of the interaction and SSO session. In production every cookie is `__Host-` prefixed:
 * browsers then insist on `Secure`, `Path=/` and no `Domain` (RFC 6265bis §4.1.3.2), so a sibling
 * subdomain cannot plant or overwrite it. `HttpOnly` keeps it from scripts; `SameSite=Lax` withholds it
 * from cross-site POSTs (CSRF defence in depth) while still sending it on the top-level GET that brings
 * the user to `/authorize` from the client.
 *
 * Development over `http://localhost` is the one exception: Safari (and older browsers) drop `Secure`
 * cookies set over http, and a `__Host-` cookie without `Secure` is rejected everywhere, so both the
 * prefix and `Secure` are left off there — and only there.
 */
export interface CookieSecurity {
  readonly secure: boolean;
  readonly prefix: '__Host-' | '';
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Choose cookie security from the issuer URL; plain http anywhere but loopback is a configuration error. */
export function cookieSecurityFor(issuer: string): CookieSecurity {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return { secure: true, prefix: '__Host-' };
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return { secure: false, prefix: '' };
  throw new RangeError(`issuer ${url.origin} must use https (http is allowed only on localhost for development)`);
}

export interface CookieOptions {
  /** Lifetime in seconds; omit for a browser-session cookie. */
  readonly maxAgeSeconds?: number;
  readonly sameSite?: 'Lax' | 'Strict';
  /** Defaults to true; only a cookie that scripts must read would turn it off (we have none). */
  readonly httpOnly?: boolean;
}

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 6265 §4.1.1 cookie-octet: no controls, whitespace, DQUOTE, comma, semicolon or backslash.
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/** The full cookie name as sent, e.g. `__Host-tessera_session`. */
export function cookieName(base: string, security: CookieSecurity): string {
  return `${security.prefix}${base}`;
}

/** A `Set-Cookie` value. Throws on names or values outside RFC 6265's grammar (values should be base64url). */
export function serializeCookie(base: string, value: string, security: CookieSecurity, options: CookieOptions = {}): string {
  const name = cookieName(base, security);
  if (!NAME.test(name)) throw new RangeError(`invalid cookie name ${JSON.stringify(name)}`);
  if (!VALUE.test(value)) throw new RangeError(`invalid value for cookie ${name}`);
  const parts = [`${name}=${value}`, 'Path=/'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (security.secure) parts.push('Secure');
  if (options.httpOnly !== false) parts.push('HttpOnly');
  parts.push(`SameSite=${options.sameSite ?? 'Lax'}`);
  return parts.join('; ');
}

/** A `Set-Cookie` value that deletes the cookie (same attributes, `Max-Age=0`). */
export function clearCookie(base: string, security: CookieSecurity): string {
  return serializeCookie(base, '', security, { maxAgeSeconds: 0 });
}

/**
 * Read one cookie from a `Cookie` header. The first occurrence wins (browsers send the most specific
 * path first); malformed pairs are skipped, never thrown on. Values are returned as sent, undecoded.
 */
export function readCookie(header: string | undefined, base: string, security: CookieSecurity): string | undefined {
  if (typeof header !== 'string' || header.length > 16_384) return undefined;
  const name = cookieName(base, security);
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return VALUE.test(value) ? value : undefined;
  }
  return undefined;
}
