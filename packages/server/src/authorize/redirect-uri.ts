/**
 * Redirect URI matching (RFC 9700 §2.1: exact string matching; RFC 6749 §3.1.2.3). The one allowed
 * variation is the port of a loopback IP literal, which a native app picks at run time
 * (RFC 8252 §7.3: "The authorization server MUST allow any port to be specified at the time of the
 * request for loopback IP redirect URIs"). `localhost` gets no such leeway (RFC 8252 §8.3).
 */
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?][^#]*)?$/;

export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  const a = LOOPBACK.exec(registered);
  const b = LOOPBACK.exec(requested);
  if (a === null || b === null) return false;
  if (b[2] !== undefined && Number(b[2]) > 65_535) return false;
  return a[1] === b[1] && (a[3] ?? '') === (b[3] ?? '');
}

/** The registered redirect URI a request names, or `undefined` when none matches. */
export function findRedirectUri(registered: readonly string[], requested: string): string | undefined {
  return registered.some((uri) => redirectUriMatches(uri, requested)) ? requested : undefined;
}
