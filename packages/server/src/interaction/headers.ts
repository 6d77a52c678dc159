/**
 * Response headers for every interaction page. `frame-ancestors 'none'` and `X-Frame-Options: DENY`
 * stop clickjacking of login and consent (RFC 9700 §4.16); `no-store` keeps pages with CSRF tokens
 * and personal data out of caches; `same-origin` referrers keep our URLs out of third-party logs (while
 * same-origin form posts still carry a real `Origin`, which `no-referrer` would turn into `null`).
 */
export interface SecurityHeaderOptions {
  /** `'sha256-…'` sources for the page's inline `<style>` element(s). */
  readonly styleHashes: readonly string[];
  /**
   * Extra `form-action` sources besides `'self'`. Chrome applies `form-action` to the redirects that
   * follow a form POST, so a consent or login form whose answer 303-redirects to the client must list
   * that redirect URI's origin here, or the browser blocks the final hop.
   */
  readonly formActionSources?: readonly string[];
  /** `'sha256-…'` sources for inline `<script>` elements (only the form_post auto-submit has one). */
  readonly scriptHashes?: readonly string[];
}

// A hash, an http(s) origin (host name, IPv4 or bracketed IPv6, optional port), or a bare scheme
// (`com.example.app:`) for native apps' private-use redirect URIs (RFC 8252 §7.1).
const SOURCE = /^(?:'sha256-[A-Za-z0-9+/]+=*'|https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?|[a-z][a-z0-9+.-]*:)$/;

export function contentSecurityPolicy(options: SecurityHeaderOptions): string {
  const scripts = options.scriptHashes ?? [];
  const sources = [...options.styleHashes, ...(options.formActionSources ?? []), ...scripts];
  for (const source of sources) {
    // A source is spliced into a header: refuse anything that could add a directive (`;`) or a keyword.
    if (!SOURCE.test(source)) throw new RangeError(`not a CSP source: ${JSON.stringify(source)}`);
  }
  return [
    "default-src 'none'",
    ...(scripts.length > 0 ? [`script-src ${scripts.join(' ')}`] : []),
    `style-src ${options.styleHashes.join(' ') || "'none'"}`,
    "img-src 'self' data:",
    `form-action 'self'${(options.formActionSources ?? []).map((s) => ` ${s}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': contentSecurityPolicy(options),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/**
 * The CSP source that lets a form's answer redirect to `redirectUri`, for
 * {@link SecurityHeaderOptions.formActionSources}: its origin for http(s), its scheme for a native
 * app's private-use URI scheme; `undefined` when it is neither.
 */
export function formActionSourceFor(redirectUri: string): string | undefined {
  try {
    const url = new URL(redirectUri);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
    const scriptable = /^(?:javascript|data|blob|filesystem|file|vbscript):$/.test(url.protocol);
    return !scriptable && /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : undefined;
  } catch {
    return undefined;
  }
}
