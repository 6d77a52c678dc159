/**
 * Response headers for every interaction page. `frame-ancestors 'none'` and `X-Frame-Options: DENY`
 * stop clickjacking of login and consent (RFC 9700 §4.16); `no-store` keeps pages with CSRF tokens
 * and personal data out of caches; `no-referrer` keeps interaction ids out of third-party logs.
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
}

const SOURCE = /^(?:'sha256-[A-Za-z0-9+/]+=*'|https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?|\[[0-9a-fA-F:]+\](?::\d{1,5})?)$/;

export function contentSecurityPolicy(options: SecurityHeaderOptions): string {
  const sources = [...options.styleHashes, ...(options.formActionSources ?? [])];
  for (const source of sources) {
    // A source is spliced into a header: refuse anything that could add a directive (`;`) or a keyword.
    if (!SOURCE.test(source)) throw new RangeError(`not a CSP source: ${JSON.stringify(source)}`);
  }
  return [
    "default-src 'none'",
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
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** The origin of a redirect URI, for {@link SecurityHeaderOptions.formActionSources}; `undefined` for non-http(s) (custom-scheme apps). */
export function formActionSourceFor(redirectUri: string): string | undefined {
  try {
    const url = new URL(redirectUri);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
